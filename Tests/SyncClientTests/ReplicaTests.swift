import Foundation
import ShapeWire
import Testing
@testable import QACtlSync
import QACtlTestSupport

/// The local replica against a real `qactl serve`: rows before any network,
/// resume from the saved offset, cleared on 409.
@Suite(.serialized) struct ReplicaTests {
    @Test func aRestartedClientShowsSavedRowsAtOnceAndResumesFromTheSavedOffset() async throws {
        let dir = TemporaryDirectory()
        let cache = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let alice = try await TestClient(server: server, user: "alice")
        _ = try await alice.api.createConversation(id: "c-1", title: "Questions")
        _ = try await alice.api.sendQuestion(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "First")
        let identity = ReplicaIdentity(server: server.baseURL, user: "alice", request: ShapeTokenRequest(table: "messages", params: ["conversationId": "c-1"]))

        let first = alice.messages("c-1", replica: try LocalReplica.open(directory: cache.path, identity: identity))
        await first.start()
        try await eventually("first sync") { await first.rows.count == 2 }
        await first.stop()
        // Written while no client runs.
        let txid = try await alice.api.sendQuestion(conversationId: "c-1", questionId: "q-2", answerId: "a-2", content: "Second")

        let requests = Recorder<ShapeRequestInfo>()
        let replica = try LocalReplica.open(directory: cache.path, identity: identity)
        let saved = try #require(try replica.load())
        #expect(!saved.position.offset.isBeforeAllOffsets)
        #expect(saved.position.schema != nil)
        let second = alice.messages("c-1", replica: replica) { $0.onRequest = { requests.append($0) } }
        // Before any request: the saved rows, and the collection knows it is not up to date yet.
        #expect(await second.loadReplica() == 2)
        #expect(Set(await second.rows.keys) == ["q-1", "a-1"])
        #expect(await second.rows["q-1"]?["content"] == "First")
        #expect(requests.values.isEmpty)
        #expect(await second.status == .idle)

        await second.start()
        try await second.awaitTxId(txid, timeout: .seconds(10))
        try await eventually("ready") { await second.status == .ready }
        #expect(Set(await second.rows.keys) == ["q-1", "a-1", "q-2", "a-2"])
        let opening = try #require(requests.values.first)
        #expect(opening.offset == saved.position.offset.description)
        #expect(opening.offset != "-1")
        #expect(opening.handle == saved.position.handle)
        #expect(!opening.isLive)
        #expect(!requests.values.contains { $0.offset == "-1" })
        await second.stop()

        // The replica now holds all four rows.
        #expect(try LocalReplica.open(directory: cache.path, identity: identity).load()?.rows.count == 4)
        // And knows that txid synced: a write repeated after a restart (an outbox entry
        // delivered again, answered with its original txid) confirms before any request.
        let third = alice.messages("c-1", replica: try LocalReplica.open(directory: cache.path, identity: identity))
        #expect(await third.loadReplica() == 4)
        let start = ContinuousClock.now
        try await third.awaitTxId(txid, timeout: .seconds(2))
        #expect(ContinuousClock.now - start < .seconds(1))
        // Another user's replica is another file, and empty.
        let bobs = try LocalReplica.open(directory: cache.path, identity: ReplicaIdentity(server: server.baseURL, user: "bob", shape: identity.shape))
        #expect(try bobs.load() == nil)
        try await server.stop()
    }

    @Test func aMustRefetchClearsTheReplicaAndRefetchesWithoutTheExpiredHandle() async throws {
        let dir = TemporaryDirectory()
        let cache = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let alice = try await TestClient(server: server, user: "alice")
        _ = try await alice.api.createConversation(id: "c-1", title: "Questions")
        _ = try await alice.api.sendQuestion(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "First")
        let identity = ReplicaIdentity(server: server.baseURL, user: "alice", shape: "messages/c-1")

        let first = alice.messages("c-1", replica: try LocalReplica.open(directory: cache.path, identity: identity))
        await first.start()
        try await eventually("first sync") { await first.rows.count == 2 }
        await first.stop()

        // A handle the server does not know (as after an operator reset): 409 on resume.
        let replica = try LocalReplica.open(directory: cache.path, identity: identity)
        try replica.overwriteHandle("gone-handle")
        let requests = Recorder<ShapeRequestInfo>()
        let second = alice.messages("c-1", replica: replica) { $0.onRequest = { requests.append($0) } }
        await second.start()
        try await eventually("refetched") {
            let status = await second.status
            return requests.values.count >= 2 && status == .ready
        }
        let all = requests.values
        #expect(all[0].handle == "gone-handle")
        #expect(all[1].offset == "-1")
        #expect(all[1].url.contains("cache-buster="))
        #expect(all[1].url.contains("expired_handle=gone-handle"))
        #expect(!all.dropFirst().contains { $0.handle == "gone-handle" })
        #expect(Set(await second.rows.keys) == ["q-1", "a-1"])
        await second.stop()

        let saved = try #require(try replica.load())
        #expect(saved.position.handle != "gone-handle")
        #expect(saved.rows.count == 2)
        try await server.stop()
    }
}
