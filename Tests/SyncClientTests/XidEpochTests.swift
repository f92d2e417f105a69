import Foundation
import PostgresHarness
import Testing
@testable import QACtlSync
import QACtlTestSupport

/// `awaitTxId` on a PostgreSQL cluster past an xid epoch boundary: writes and
/// the replication stream carry 32-bit xids, snapshots 64-bit ones, and the two
/// must still be compared right.
@Suite(.serialized) struct XidEpochTests {
    @Test func awaitTxIdIsRightPastAnXidEpochBoundary() async throws {
        let dir = TemporaryDirectory()
        let cluster = try await blocking { try PostgresCluster.start() }
        defer { try? cluster.stop() }
        try await blocking { try cluster.advanceXidEpoch(to: 1) }
        let full = try await blocking { try cluster.psql("SELECT pg_current_xact_id()::text") }
        #expect(UInt64(full) ?? 0 > 1 << 32, "the cluster is in epoch 1: \(full)")

        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--database-url", cluster.url + "?sslmode=disable"])
        let alice = try TestClient(server: server, user: "alice")
        _ = try await alice.api.createConversation(id: "c-1", title: "Epoch")
        let live = alice.messages("c-1")
        await live.start()
        try await eventually("ready") { await live.status == .ready }

        // Through the stream: the write's 32-bit txid is the one its change carries.
        let txid = try await alice.api.sendQuestion(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "Past the epoch?")
        #expect(txid < 1 << 32)
        try await live.awaitTxId(txid, timeout: .seconds(10))

        // Through a snapshot: a client starting after the write has only 64-bit
        // snapshot bounds to go by; they show the write, and not what came later.
        let fresh = alice.messages("c-1")
        await fresh.start()
        try await eventually("ready") { await fresh.status == .ready }
        try await fresh.awaitTxId(txid, timeout: .zero)
        let later = txid + 100_000
        await #expect(throws: TxIdTimeoutError.self) { try await fresh.awaitTxId(later, timeout: .milliseconds(200)) }

        await live.stop()
        await fresh.stop()
        try await server.stop()
    }
}
