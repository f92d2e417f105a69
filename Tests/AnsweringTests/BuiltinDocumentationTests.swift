import Foundation
import Testing

@testable import Answering

@Suite("qactl's built-in documentation")
struct BuiltinDocumentationTests {
    let answerer = BuiltinAnswerer(knowledge: .qactlDocumentation)

    @Test(
        "real questions about qactl find the right section",
        arguments: [
            ("How do I rotate the signing keys?", "README.md", "qactl token"),
            ("Where are the signing keys kept?", "README.md", "Data dir"),
            ("Which environment variable chooses the answerer?", "cli.md", "qactl serve"),
            ("How can I wait for a txid from the command line?", "cli.md", "qactl tail-txid"),
            ("how do I ask one question without the interactive mode", "cli.md", "qactl chat"),
            ("What do I need to install before building?", "README.md", "Prerequisites"),
        ] as [(String, String, String)]
    )
    func realQuestions(question: String, document: String, heading: String) throws {
        let best = try #require(answerer.knowledge.search(question, limit: 3).first, "nothing for \(question)")
        #expect(best.document == document, "\(question)")
        #expect(best.heading == heading, "\(question)")
    }

    @Test("questions about something else get the honest answer")
    func unrelated() {
        #expect(answerer.answerPieces(for: "What is a good recipe for banana bread?") == [
            "I found nothing about that in the documentation I have (2 documents).",
        ])
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
        #expect(DurationWording.text(.seconds(120)) == "2m")
        #expect(DurationWording.text(.seconds(90)) == "1m30s")
        #expect(DurationWording.text(.milliseconds(500)) == "500ms")
        #expect(DurationWording.text(.milliseconds(1500)) == "1500ms")
        #expect(DurationWording.text(.seconds(3600)) == "1h")
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
