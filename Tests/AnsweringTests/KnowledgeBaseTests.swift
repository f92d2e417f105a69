import Foundation
import Testing

@testable import Answering

@Suite("Knowledge base")
struct KnowledgeBaseTests {
    let knowledge = KnowledgeBase(documents: KnowledgeFixtures.all)

    @Test("the minting passage ranks first for a question about minting a shape token")
    func mintingQuestion() throws {
        let results = knowledge.search("how do I mint a shape token?", limit: 5)
        let best = try #require(results.first)
        #expect(best.document == "tokens.md")
        #expect(best.heading == "Minting tokens")
        #expect(best.text.contains("qactl token mint shape"))
        #expect(results.map(\.score) == results.map(\.score).sorted(by: >))
    }

    @Test(
        "real questions find the right section",
        arguments: [
            ("How can I check that a token's signature is valid?", "tokens.md", "Decoding tokens"),
            ("how do i rotate the signing keys", "tokens.md", "Rotating keys"),
            ("What happens when my offset is too old?", "shapes.md", "Offsets and live mode"),
            ("how long does the server hold a live request", "shapes.md", "Offsets and live mode"),
            ("How do I wait until a txid has synced?", "txids.md", "Waiting for a txid"),
            ("when is the optimistic copy dropped?", "txids.md", "Transaction ids"),
            ("where is the data dir by default", "notes.txt", nil),
        ] as [(String, String, String?)]
    )
    func realQuestions(question: String, document: String, heading: String?) throws {
        let best = try #require(knowledge.search(question, limit: 3).first, "no passage for \(question)")
        #expect(best.document == document, "\(question)")
        #expect(best.heading == heading, "\(question)")
    }

    @Test("nonsense and off-topic questions match nothing")
    func nonsense() {
        #expect(knowledge.search("what is the airspeed velocity of an unladen swallow", limit: 3).isEmpty)
        #expect(knowledge.search("zxqv blorp", limit: 3).isEmpty)
        #expect(knowledge.search("how do I bake a chocolate cake with tokens", limit: 3).isEmpty)
        #expect(knowledge.search("how do I?", limit: 3).isEmpty)
        #expect(knowledge.search("", limit: 3).isEmpty)
    }

    @Test("search is deterministic and honours the limit")
    func deterministic() {
        let first = knowledge.search("token", limit: 2)
        #expect(first.count == 2)
        for _ in 0..<5 {
            let again = KnowledgeBase(documents: KnowledgeFixtures.all).search("token", limit: 2)
            #expect(again == first)
        }
        #expect(knowledge.search("token", limit: 0).isEmpty)
    }

    @Test("Markdown is cut at ATX and setext headings; text files have no headings")
    func passages() {
        let splitter = PassageSplitter()
        let pieces = splitter.pieces(of: KnowledgeFixtures.txids.text, markdown: true)
        #expect(pieces.map(\.heading) == ["Transaction ids", "Waiting for a txid"])
        let plain = splitter.pieces(of: KnowledgeFixtures.notes.text, markdown: false)
        #expect(plain.allSatisfy { $0.heading == nil })
        #expect(plain.contains { $0.text.contains("# this line is not a heading") })
    }

    @Test("a fenced code block stays whole and its # lines are not headings")
    func codeFences() {
        let text = """
            # Setup

            Run this:

            ```sh
            # not a heading

            swift build
            ```

            ## Next
            Done.
            """
        let pieces = PassageSplitter().pieces(of: text, markdown: true)
        #expect(pieces.map(\.heading) == ["Setup", "Next"])
        #expect(pieces[0].text.contains("# not a heading\n\nswift build\n```"))
    }

    @Test("long sections are cut into several passages")
    func longSections() {
        let paragraph = Array(repeating: "word", count: 80).joined(separator: " ")
        let text = "# Long\n\n" + Array(repeating: paragraph, count: 5).joined(separator: "\n\n")
        let pieces = PassageSplitter().pieces(of: text, markdown: true)
        #expect(pieces.count == 5)
        #expect(pieces.allSatisfy { $0.heading == "Long" })
    }

    @Test("a long paragraph is cut only where a line ends a sentence")
    func longParagraphsKeepTheirSentences() {
        // 30 lines of 10 words; a sentence ends every fifth line, so every
        // line break but those falls in the middle of a sentence.
        let lines = (1...30).map { line in
            Array(repeating: "word", count: 9).joined(separator: " ") + (line % 5 == 0 ? " end." : " and")
        }
        let pieces = PassageSplitter().pieces(of: "# Long\n\n" + lines.joined(separator: "\n"), markdown: true)
        #expect(pieces.count > 1, "300 words are more than one passage")
        for piece in pieces {
            #expect(piece.text.hasSuffix("end."), "\(piece.text.suffix(40))")
        }
    }

    @Test("the stemmer brings word forms together")
    func stemming() {
        var analyzer = TextAnalyzer()
        #expect(analyzer.terms(in: "Minting minted mints") == ["mint", "mint", "mint"])
        #expect(analyzer.terms(in: "shapes shaped shape") == ["shape", "shape", "shape"])
        #expect(analyzer.terms(in: "configured configuration configure") == ["configur", "configur", "configur"])
        #expect(analyzer.terms(in: "How do I use the API?") == ["api"])
        #expect(analyzer.terms(in: "exit code 4, not a") == ["exit", "code", "4"])
        #expect(analyzer.terms(in: "Grüße aus Zürich") == ["grüße", "au", "zürich"])
        #expect(analyzer.terms(in: "--answer-command OPENAI_API_KEY") == ["answer", "command", "openai", "api", "kei"])
    }
}

@Suite("Porter stemmer")
struct PorterStemmerTests {
    @Test("matches the reference algorithm's output")
    func reference() {
        let expected = [
            "caresses": "caress", "ponies": "poni", "cats": "cat", "feed": "feed", "agreed": "agre",
            "plastered": "plaster", "bled": "bled", "motoring": "motor", "sing": "sing", "conflated": "conflat",
            "troubled": "troubl", "sized": "size", "hopping": "hop", "tanned": "tan", "falling": "fall",
            "hissing": "hiss", "fizzed": "fizz", "failing": "fail", "filing": "file", "happy": "happi",
            "sky": "sky", "relational": "relat", "conditional": "condit", "rational": "ration",
            "digitizer": "digit", "operator": "oper", "hopefulness": "hope", "goodness": "good",
            "adjustment": "adjust", "adoption": "adopt", "probate": "probat", "rate": "rate", "cease": "ceas",
            "controll": "control", "roll": "roll", "generalizations": "gener", "oscillators": "oscil",
        ]
        for (word, stem) in expected {
            #expect(String(decoding: PorterStemmer.stem(Array(word.utf8)), as: UTF8.self) == stem, "\(word)")
        }
    }

    @Test("never traps on odd letter sequences")
    func oddWords() {
        let letters = Array("aeiouybcdlstzng".utf8)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let length = Int.random(in: 1...12, using: &generator)
            let word = (0..<length).map { _ in letters.randomElement(using: &generator) ?? 0x61 }
            let stem = PorterStemmer.stem(word)
            #expect(!stem.isEmpty && stem.count <= word.count + 1)
        }
        for word in ["ed", "ing", "eed", "sses", "ies", "ss", "s", "yy", "bled", "ying", "eing", "ation"] {
            _ = PorterStemmer.stem(Array(word.utf8))
        }
    }
}
