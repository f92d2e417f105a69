import Foundation
import Testing
@testable import ChatUI
import QACtlTestSupport

struct EventFormatterTests {
    typealias F = Fixtures

    private func object(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func jsonObjectsCarryTheEventFirstAndWhatProgramsNeed() throws {
        let confirmed = ChatEvent.confirmed(F.send(), txid: 1234, roundTrip: .milliseconds(84))
        let line = EventFormatter.json(confirmed)
        #expect(line.hasPrefix("{\"event\":\"confirmed\""))
        let fields = try object(line)
        #expect(fields["txid"] as? Int == 1234)
        #expect(fields["ms"] as? Int == 84)
        #expect(fields["questionId"] as? String == "q-1")
        let chunk = try object(EventFormatter.json(.chunk(F.message("a-1", .assistant, status: "streaming"), text: "Sha\"pes\n", replaced: false)))
        #expect(chunk["event"] as? String == "chunk" && chunk["text"] as? String == "Sha\"pes\n")
        let queued = try object(EventFormatter.json(.queued(F.send(), reason: "the server cannot be reached")))
        #expect(queued["event"] as? String == "queued" && queued["reason"] as? String == "the server cannot be reached")
        #expect(queued["questionId"] as? String == "q-1")
        let completed = try object(EventFormatter.json(.status(F.message("a-1", .assistant, content: "Done."))))
        #expect(completed["event"] as? String == "completed" && completed["content"] as? String == "Done.")
    }

    @Test func textShowsMessagesAndConfirmationsAndSkipsChunks() {
        let server = "http://127.0.0.1:8787"
        #expect(EventFormatter.text(.message(F.message("q-1", content: "Why?", optimistic: true)), server: server) == "alice> Why?  (sending…)")
        #expect(EventFormatter.text(.message(F.message("a-1", .assistant, status: "pending")), server: server) == "qactl> Generating answer…")
        #expect(EventFormatter.text(.status(F.message("a-1", .assistant, content: "One\nTwo")), server: server) == "qactl> One\n  Two")
        #expect(EventFormatter.text(.confirmed(F.send(), txid: 5, roundTrip: .milliseconds(12)), server: server) == "  ✓ confirmed in 12 ms (txid 5)")
        #expect(EventFormatter.text(.chunk(F.message("a-1", .assistant), text: "x", replaced: false), server: server) == nil)
        #expect(EventFormatter.text(.connection(.offline), server: server)?.contains("offline") == true)
        #expect(
            EventFormatter.text(.queued(F.send(), reason: "the server cannot be reached"), server: server)
                == "  … queued “How do shapes work?”: the server cannot be reached; sent when the server is back")
    }
}
