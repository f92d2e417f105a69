import Foundation
import PostgresHarness
import Testing
@testable import QACtlSync
import QACtlTestSupport

/// PostgreSQL past an xid epoch boundary: writes return 32-bit xids, snapshot
/// bounds are 64-bit. Confirmation must still be exact (Electric's client
/// compares them as plain numbers, which makes every xid look visible).
@Suite(.serialized) struct XidEpochTests {
    let dir = TemporaryDirectory()

    @Test func awaitTxIdIsExactPastAnEpochBoundary() async throws {
        let cluster = try await blocking { try PostgresCluster.start() }
        defer { try? cluster.stop() }
        try await blocking { try cluster.advanceTransactionEpoch(to: 1) }
        let current = try cluster.psql("SELECT pg_current_xact_id()::text").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect((UInt64(current) ?? 0) > UInt64(UInt32.max), "the cluster is in epoch 1: \(current)")

        let server = try await TestServer.start(
            dataDirectory: dir.path, arguments: ["--database-url", cluster.url + "?sslmode=disable", "--answerer", "none", "--sync-secret", "s3cret"])
        let alice = try await TestClient(server: server, user: "alice")
        _ = try await alice.api.createConversation(id: "c-1", title: "Questions")
        let before = try await alice.api.sendQuestion(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "Before")
        #expect(before <= UInt64(UInt32.max), "the API returns the 32-bit xid")

        // Confirmed by the initial snapshot's (64-bit) bounds.
        let messages = alice.messages("c-1")
        await messages.start()
        try await messages.awaitTxId(before, timeout: .seconds(15))
        // Confirmed by the live change's txids.
        let live = try await alice.api.sendQuestion(conversationId: "c-1", questionId: "q-2", answerId: "a-2", content: "Live")
        try await messages.awaitTxId(live, timeout: .seconds(15))
        // A transaction that has not happened yet is not confirmed by any snapshot.
        await #expect(throws: TxIdTimeoutError.self) {
            try await messages.awaitTxId(live + 1000, timeout: .milliseconds(500))
        }
        // And by a subset snapshot's bounds, on demand.
        var configuration = ShapeStreamConfiguration(
            url: server.baseURL + "/v1/shape", parameters: ["table": "messages", "where": "user_id = $1", "params[1]": "alice", "secret": "s3cret"])
        configuration.syncMode = .onDemand
        let onDemand = SyncCollection(id: "messages", shape: configuration)
        await onDemand.start()
        try await eventually("the on-demand stream to be live") { await onDemand.status == .ready }
        try await onDemand.load(SubsetQuery(where: .equals("conversation_id", "c-1")))
        try await onDemand.awaitTxId(before, timeout: .seconds(5))
        await #expect(throws: TxIdTimeoutError.self) {
            try await onDemand.awaitTxId(live + 1000, timeout: .milliseconds(500))
        }
        await messages.stop()
        await onDemand.stop()
        try await server.stop()
    }
}
