import Foundation
import QACtlTestSupport
import Testing

extension PostgresServeTests {
    /// The inspector on PostgreSQL: the replication slot, and the send in the txid timeline with the WAL's xid.
    @Test func theInspectorShowsTheReplicationSlotAndTheTimeline() async throws {
        let (_, url, _) = try await database()
        let server = try await serve(url)
        let (api, alice, _, _) = try await conversation(server)
        let sent = try await api.post(
            "/questions/send", json: ["conversationId": "c-1", "questionId": "q-1", "answerId": "a-1", "content": "Where is the slot?"], token: alice)
        let txid = try #require(sent.json["txid"] as? Int)
        let overview = try await HTTP.send(server.baseURL + "/inspect/api/overview", headers: [("authorization", "Bearer s3cret")])
        #expect(overview.status == 200)
        let replication = overview.json["replication"] as? [String: Any]
        #expect(overview.json["store"] as? String == "postgres")
        #expect((replication?["slot"] as? String)?.isEmpty == false)
        #expect(replication?["connected"] as? Bool == true)
        try await eventually("the send in the timeline") {
            let answer = try await HTTP.send(server.baseURL + "/inspect/api/transactions", headers: [("authorization", "Bearer s3cret")])
            let records = answer.json["transactions"] as? [[String: Any]] ?? []
            return records.contains { $0["txid"] as? Int == txid && ($0["tables"] as? [String: Int])?["messages"] == 2 }
        }
        try await server.stop()
    }
}
