import Testing

@testable import Answering

@Suite("Builtin answerer")
struct BuiltinAnswererTests {
    let answerer = BuiltinAnswerer(knowledge: KnowledgeBase(documents: KnowledgeFixtures.all))

    private func collect(_ question: String) async throws -> [String] {
        var pieces: [String] = []
        for try await piece in answerer.answer(AnswerContext(question: question)) { pieces.append(piece) }
        return pieces
    }

    @Test("answers with the best passages, each attributed, streamed one piece per passage")
    func answers() async throws {
        let pieces = try await collect("How do I mint a shape token?")
        let answer = pieces.joined()
        #expect(!pieces.isEmpty && pieces.count <= 3)
        #expect(answer.hasPrefix("Mint an auth token"))
        #expect(pieces[0].hasSuffix("(from tokens.md § Minting tokens)"))
        for piece in pieces { #expect(piece.contains("(from ")) }
    }

    @Test("a passage without a heading is attributed to its file alone")
    func attributionWithoutHeading() async throws {
        let answer = try await collect("where is the data dir by default?").joined()
        #expect(answer.contains("~/.local/share/qactl"))
        #expect(answer.contains("(from notes.txt)"))
    }

    @Test("says honestly when nothing matches")
    func noAnswer() async throws {
        let pieces = try await collect("What is the capital of France?")
        #expect(pieces == ["I found nothing about that in the documentation I have (4 documents)."])
        let single = BuiltinAnswerer(knowledge: KnowledgeBase(documents: [KnowledgeFixtures.notes]))
        #expect(single.answerPieces(for: "quantum chromodynamics") == [
            "I found nothing about that in the documentation I have (1 document).",
        ])
    }

    @Test("the same question gives the same answer")
    func deterministic() async throws {
        let first = try await collect("how do offsets work in live mode")
        for _ in 0..<3 { #expect(try await collect("how do offsets work in live mode") == first) }
    }
}
