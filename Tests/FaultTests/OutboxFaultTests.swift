import Foundation
import QACtlSync
import QACtlTestSupport
import Synchronization
import Testing

/// The client's outbox against a server whose database is down: every 503's
/// `retry-after` is waited out, and the write goes through once it is back.
@Suite(.serialized) struct OutboxFaultTests {
    let dir = TemporaryDirectory()

    @Test func a503sRetryAfterIsHonouredAndTheWriteGoesThroughOnce() async throws {
        let scene = try await FaultScene.start(dataDirectory: dir.path)
        defer { scene.finish() }
        let cache = TemporaryDirectory()
        let replica = try LocalReplica.open(
            directory: cache.path, identity: ReplicaIdentity(server: scene.server.baseURL, user: "alice", shape: "outbox"))
        try replica.enqueue(
            operation: "questions/send", key: "q-outbox",
            payload: ["conversationId": FaultScene.conversation, "answerId": "a-outbox", "content": "Waited out?"], collection: "messages")
        try await blocking { [cluster = scene.cluster] in _ = try cluster.shutDown(mode: "fast") }

        // Backoff alone would retry within 20 ms: only retry-after makes it wait.
        let policy = OutboxRetryPolicy(backoff: Backoff(initialDelay: .milliseconds(10), maxDelay: .milliseconds(20)))
        let api = APIClient(baseURL: scene.server.baseURL, authToken: scene.alice)
        let sender = OutboxSender(replica: replica, policy: policy) { entry in
            try await api.sendQuestion(
                conversationId: entry.payload["conversationId"] ?? "", questionId: entry.key, answerId: entry.payload["answerId"] ?? "",
                content: entry.payload["content"] ?? "")
        }
        let retries = Mutex<[(ContinuousClock.Instant, Duration, String)]>([])
        let events = await sender.events()
        let listening = Task {
            for await event in events {
                if case .retrying(_, _, let delay, let error) = event { retries.withLock { $0.append((.now, delay, error)) } }
            }
        }
        await sender.start()
        try await eventually("three refused attempts", timeout: .seconds(60)) { retries.withLock { $0.count >= 3 } }
        try await blocking { [cluster = scene.cluster] in try cluster.startAgain() }
        let txid = try await sender.delivery(of: "q-outbox")
        listening.cancel()
        await sender.stop()

        let seen = retries.withLock { $0 }
        let unavailable = seen.filter { $0.2.contains("unavailable") }
        #expect(!unavailable.isEmpty, "the database outage answered 503: \(seen.map(\.2))")
        for retry in unavailable { #expect(retry.1 >= .seconds(1), "retry-after: 1 is a floor: \(retry.1)") }
        for (earlier, later) in zip(seen, seen.dropFirst()) where earlier.2.contains("unavailable") {
            #expect(later.0 - earlier.0 >= .milliseconds(950), "attempts \(later.0 - earlier.0) apart")
        }
        #expect(txid > 0)
        #expect(try replica.outboxEntries().isEmpty)
        let fresh = try await ShapeFollower.freshSync(api: scene.api, token: scene.shapeToken)
        #expect(fresh["q-outbox"] == 1)
        try await scene.expectCleanStop()
    }
}
