import Testing
@testable import Answering

@Test func debugDump() {
    let kb = KnowledgeBase.qactlDocumentation
    print("passages:", kb.passageCount)
    for q in ["Which environment variable chooses the answerer?", "Where are the signing keys kept?", "How can I wait for a txid from the command line?", "What do I need to install before building?", "how do I mint a shape token", "what port does the server listen on by default", "how do I use postgres", "what does exit code 4 mean"] {
        print("Q:", q)
        var a = TextAnalyzer()
        print("  terms:", a.terms(in: q))
        for p in PassageIndexDebug.all(kb, q) { print(String(format: "  %.2f cov %.2f", p.score, p.coverage), p.document, p.heading ?? "-", "|", p.text.prefix(70).replacingOccurrences(of: "\n", with: " ")) }
    }
}
enum PassageIndexDebug {
    static func all(_ kb: KnowledgeBase, _ q: String) -> [Passage] { kb.searchAll(q) }
}
