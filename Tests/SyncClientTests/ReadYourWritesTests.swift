import Foundation
import PostgresHarness
import Testing
@testable import QACtlSync
import QACtlTestSupport

/// The read-your-writes barrier on both stores: a write's commit position,
/// waited for by another client, means that client shows the write.
@Suite(.serialized) struct ReadYourWritesTests {
    @Test(arguments: [false, true])
    func anotherClientShowsAWriteOnceItsPositionIsReached(onPostgres: Bool) async throws {
        let dir = TemporaryDirectory()
        let cluster = onPostgres ? try await blocking { try PostgresCluster.start() } : nil
        defer { try? cluster?.stop() }
        let database = cluster.map { ["--database-url", $0.url + "?sslmode=disable"] } ?? []
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: database + ["--answerer", "none"])
        let writer = try await TestClient(server: server, user: "alice")
        let reader = try await TestClient(server: server, user: "alice")
        _ = try await writer.api.createConversation(id: "c-1", title: "Barrier")
        let messages = reader.messages("c-1")
        await messages.start()
        try await eventually("ready") { await messages.status == .ready }

        let receipt = try await writer.api.sendQuestionReceipt(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "Seen?")
        let position = try #require(receipt.position)
        try await messages.awaitPosition(position, timeout: .seconds(10))
        #expect(await messages.rows["q-1"]?["content"] == "Seen?", "shown as soon as the barrier returns")
        #expect(await messages.rows["a-1"]?["status"] == "pending")

        // A shape started later is past the position at its first up-to-date, with the write in it.
        let conversations = SyncCollection(id: "conversations", shape: reader.shape("conversations"))
        await conversations.start()
        try await conversations.awaitPosition(position, timeout: .seconds(10))
        #expect(await conversations.rows["c-1"] != nil)

        // A repeat wrote nothing now: the same txid, no position.
        let again = try await writer.api.sendQuestionReceipt(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "Seen?")
        #expect(again.txid == receipt.txid)
        #expect(again.position == nil)
        // A position nothing has reached yet is not taken as reached.
        let error = await #expect(throws: PositionTimeoutError.self) {
            try await messages.awaitPosition(position + 1_000_000_000, timeout: .milliseconds(300))
        }
        #expect((error?.lastSeen ?? 0) >= position)

        await messages.stop()
        await conversations.stop()
        try await server.stop()
    }
}
