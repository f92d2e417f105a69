import Foundation
import Testing

@testable import Answering

@Suite("qactl's built-in documentation")
struct BuiltinDocumentationTests {
    let answerer = BuiltinAnswerer(knowledge: .qactlDocumentation)

    /// Each question with the sections that answer it ("file § heading"); the README and the
    /// command guide overlap, so either may be right.
    @Test(
        "real questions about qactl find the right section",
        arguments: [
            ("How do I rotate the signing keys?", ["README.md § qactl token", "commands.md § qactl token rotate"]),
            ("How do I mint a shape token?", ["README.md § qactl token", "commands.md § qactl token mint shape"]),
            ("Where are the signing keys kept?", ["README.md § Data dir", "commands.md § qactl token"]),
            ("Which option chooses the answerer?", ["commands.md § qactl serve", "README.md § qactl serve"]),
            ("What port does the server listen on by default?", ["commands.md § qactl serve", "README.md § qactl serve"]),
            ("What do I need to install before building?", ["README.md § Set-up", "README.md § Prerequisites"]),
            ("What does exit code 4 mean?", ["README.md § qactl token", "commands.md § Exit codes"]),
        ] as [(String, [String])]
    )
    func realQuestions(question: String, sections: [String]) throws {
        let best = try #require(answerer.knowledge.search(question, limit: 3).first, "nothing for \(question)")
        let section = "\(best.document) § \(best.heading ?? "")"
        #expect(sections.contains(section), "\(question) → \(section)")
    }

    @Test("questions about something else get the honest answer and topics to ask about instead")
    func unrelated() {
        let pieces = answerer.answerPieces(for: "What is a good recipe for banana bread?")
        #expect(pieces.first == "I don't know: the documentation I have (2 documents) does not answer that clearly.")
        #expect(pieces.count == 2)
        // Which sections are closest depends on the README's wording; that some are offered does not.
        let topics = pieces.last ?? ""
        #expect(topics.contains("Closest topics:"))
        let offered = topics.components(separatedBy: "Closest topics:").last?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines.union(["."])) } ?? []
        #expect(!offered.isEmpty && offered.allSatisfy { !$0.isEmpty }, "\(topics)")
    }

    @Test("\"What is a shape token?\" is answered in a few sentences, not pages of passages")
    func shapeToken() {
        let answer = answerer.builtinAnswer(for: "What is a shape token?")
        #expect(answer.isKnown)
        #expect(answer.proseWordCount <= 60)
        // The README's introduction defines it, in emphasis; that sentence is the answer.
        #expect(answer.markdown.contains("*shape token* (exactly which rows you may sync)"))
        #expect(answer.sources.first == SectionReference(document: "README.md", heading: "qactl"))
        #expect(answer.codeBlockCount == 0, "a what-is question gets no transcript")
        #expect(answer.markdown.hasSuffix(answer.sourcesLine ?? "missing"))
    }

    @Test("every answer keeps its Markdown whole: fences closed, nothing cut mid-sentence")
    func wholeMarkdown() {
        for question in BuiltinEvaluation.questions {
            let answer = answerer.builtinAnswer(for: question.text)
            let fences = answer.markdown.split(separator: "\n").count(where: { $0.hasPrefix("```") })
            #expect(fences % 2 == 0, "\(question.text)")
            for block in answer.blocks where !block.hasPrefix("```") && !block.hasPrefix("- ") {
                #expect(block.hasSuffix(".") || block.hasSuffix("…") || block.hasSuffix(")") || block.hasSuffix("?") || block.hasSuffix(":") || block.hasSuffix("`"), "\(question.text): \(block)")
            }
        }
    }
}

@Suite("Small pieces")
struct SmallPieceTests {
    @Test("UTF-8 split anywhere decodes to the same text")
    func utf8Splits() {
        let text = "añb€c😀d"
        let bytes = Array(text.utf8)
        for cut in 0...bytes.count {
            var decoder = UTF8StreamDecoder()
            let joined = decoder.decode(bytes[..<cut]) + decoder.decode(bytes[cut...]) + decoder.finish()
            #expect(joined == text, "cut at \(cut)")
        }
        var decoder = UTF8StreamDecoder()
        #expect(decoder.decode([0x61, 0xFF, 0x62]) == "a\u{FFFD}b")
        #expect(decoder.decode([0xE2, 0x82]) == "")
        #expect(decoder.finish() == "\u{FFFD}")
    }

    @Test("durations read the way the command line takes them")
    func durations() {
        #expect(Wording.duration(.seconds(120)) == "2m")
        #expect(Wording.duration(.seconds(90)) == "1m30s")
        #expect(Wording.duration(.milliseconds(500)) == "500ms")
        #expect(Wording.duration(.milliseconds(1500)) == "1500ms")
        #expect(Wording.duration(.seconds(3600)) == "1h")
    }

    @Test("error bodies in the shapes servers use")
    func errorBodies() {
        #expect(OpenAIWire.errorMessage(inBody: Data(#"{"error":{"message":"bad key"}}"#.utf8)) == "bad key")
        #expect(OpenAIWire.errorMessage(inBody: Data(#"{"error":"model not loaded"}"#.utf8)) == "model not loaded")
        #expect(OpenAIWire.errorMessage(inBody: Data(#"{"detail":"Not Found"}"#.utf8)) == "Not Found")
        #expect(OpenAIWire.errorMessage(inBody: Data("<html>\n  Bad   Gateway\n</html>".utf8)) == "<html> Bad Gateway </html>")
        #expect(OpenAIWire.errorMessage(inBody: Data()) == nil)
    }
}
