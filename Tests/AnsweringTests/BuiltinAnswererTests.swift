import Testing

@testable import Answering

@Suite("Builtin answerer")
struct BuiltinAnswererTests {
    let answerer = BuiltinAnswerer(knowledge: KnowledgeBase(documents: KnowledgeFixtures.all))

    private func collect(_ question: String, from answerer: BuiltinAnswerer? = nil) async throws -> [String] {
        var pieces: [String] = []
        for try await piece in (answerer ?? self.answerer).answer(AnswerContext(question: question)) { pieces.append(piece) }
        return pieces
    }

    @Test("answers with the sentence that answers, streamed in pieces, then the section it comes from")
    func answers() async throws {
        let pieces = try await collect("How do I mint a shape token?")
        let answer = pieces.joined()
        #expect(pieces.count >= 2, "the answer streams in more than one piece")
        #expect(answer.contains("`qactl token mint shape --sub alice --table messages --param conversationId=c-1`"))
        #expect(answer.hasSuffix("\n\nSources: tokens.md § Minting tokens"))
        // Nothing from the sections the question is not about.
        #expect(!answer.contains("decode") && !answer.contains("rotate") && !answer.contains("offset"))
    }

    @Test("a passage without a heading is named by its file alone")
    func attributionWithoutHeading() async throws {
        let answer = try await collect("where is the data dir by default?").joined()
        #expect(answer.contains("~/.local/share/qactl"))
        #expect(answer.hasSuffix("Sources: notes.txt"))
    }

    @Test("says in one sentence that it does not know, and names topics it does know")
    func noAnswer() async throws {
        let pieces = try await collect("What is the capital of France?")
        #expect(pieces.first == "I don't know: the documentation I have (4 documents) does not answer that clearly.")
        #expect(pieces.count == 2)
        #expect(pieces.last?.hasPrefix("\n\nIt covers, among others: ") == true)
        #expect(pieces.last?.contains("Minting tokens") == true)
        let single = BuiltinAnswerer(knowledge: KnowledgeBase(documents: [KnowledgeFixtures.notes]))
        #expect(try await collect("quantum chromodynamics", from: single) == [
            "I don't know: the documentation I have (1 document) does not answer that clearly.",
        ])
    }

    @Test("a weak match is not an answer: the closest sections are suggested instead")
    func weakMatch() {
        let answer = answerer.builtinAnswer(for: "How do I bake a chocolate cake with tokens?")
        #expect(!answer.isKnown)
        #expect(answer.markdown.hasPrefix("I don't know"))
        #expect(answer.blocks.last?.hasPrefix("Closest topics: ") == true)
        #expect(answer.blocks.last?.contains("Tokens") == true || answer.blocks.last?.contains("Minting tokens") == true)
    }

    @Test("the same text in two documents is said once")
    func duplicates() {
        let copy = KnowledgeDocument(name: "copy/tokens.md", text: KnowledgeFixtures.tokens.text)
        let twice = BuiltinAnswerer(knowledge: KnowledgeBase(documents: [KnowledgeFixtures.tokens, copy]))
        let answer = twice.builtinAnswer(for: "How do I rotate the signing keys?")
        #expect(answer.markdown.components(separatedBy: "creates a new signing key").count == 2)
        #expect(answer.sources == [SectionReference(document: "tokens.md", heading: "Rotating keys")])
    }

    @Test("a console transcript is collapsed to its commands, and shown only to how-to questions")
    func transcripts() {
        let serving = KnowledgeDocument(name: "serve.md", text: """
            # Serving

            ## Starting the server

            The server listens on port 8787 and keeps its data in the data dir.

            ```console
            $ qactl serve --listen 127.0.0.1:9000
            qactl serve: listening on http://127.0.0.1:9000
              database  /root/.local/share/qactl/qactl.sqlite
            ```
            """)
        let answerer = BuiltinAnswerer(knowledge: KnowledgeBase(documents: [serving]))
        let howTo = answerer.builtinAnswer(for: "How do I start the server on another port?")
        #expect(howTo.codeBlockCount == 1)
        #expect(howTo.markdown.contains("```sh\nqactl serve --listen 127.0.0.1:9000\n```"))
        #expect(!howTo.markdown.contains("listening on"))
        let what = answerer.builtinAnswer(for: "Which port does the server listen on?")
        #expect(what.codeBlockCount == 0)
        #expect(what.markdown.hasPrefix("The server listens on port 8787"))
    }

    @Test("the same question gives the same answer")
    func deterministic() async throws {
        let first = try await collect("how do offsets work in live mode")
        for _ in 0..<3 { #expect(try await collect("how do offsets work in live mode") == first) }
    }
}
