import Foundation
import Synchronization
import Testing
@testable import QACtlSync
import QACtlTestSupport

/// The durable outbox against a real `qactl serve` and real replica files:
/// writes queued offline survive a restart, show at once, go out in order
/// and once; refusals are dead-lettered without stopping later writes.
@Suite(.serialized) struct OutboxTests {
    /// Quick retries: these tests wait for a server, not for a schedule.
    static let quick = OutboxRetryPolicy(backoff: Backoff(initialDelay: .milliseconds(50), maxDelay: .milliseconds(200)))

    @Test func writesQueuedOfflineSurviveARestartShowAtOnceAndGoOutInOrderOnce() async throws {
        let dir = TemporaryDirectory()
        let cache = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let alice = try await TestClient(server: server, user: "alice")
        _ = try await alice.api.createConversation(id: "c-1", title: "Questions")
        try await server.stop()
        let identity = ReplicaIdentity(server: server.baseURL, user: "alice", shape: "outbox")
        let keys = (1...5).map { "q-\($0)" }

        // First run, offline: queued, tried, failed, still queued when it quits.
        do {
            let replica = try LocalReplica.open(directory: cache.path, identity: identity)
            for key in keys { try enqueueQuestion(key, in: replica) }
            let sender = OutboxSender(replica: replica, policy: Self.quick, deliver: try await deliverer(alice, timeout: .seconds(1)))
            let events = await sender.events()
            await sender.start()
            var retried = false
            for await event in events {
                if case .retrying(let key, _, _, _) = event, key == "q-1" { retried = true }
                if retried { break }
            }
            await sender.stop()
        }

        // Second run: the queue is as it was, and its rows show before any network.
        let replica = try LocalReplica.open(directory: cache.path, identity: identity)
        let queued = try replica.outboxEntries()
        #expect(queued.map(\.key) == keys)
        #expect(queued.first?.attempts ?? 0 >= 1)
        #expect(queued.first?.lastError?.contains("network_error") == true)
        let sender = OutboxSender(replica: replica, policy: Self.quick, deliver: try await deliverer(alice, timeout: .seconds(5)))
        let delivered = Recorder<(String, UInt64)>()
        let events = await sender.events()
        let listening = Task {
            for await event in events { if case .delivered(let key, let txid) = event { delivered.append((key, txid)) } }
        }
        let messages = alice.messages("c-1")
        var commits: [Task<Void, any Error>] = []
        for entry in queued {
            let send = messages.queuedTransaction(timeout: .seconds(10)) { try await sender.delivery(of: entry.key) }
            try await send.mutate { draft in for row in entry.rows { try draft.insert(row) } }
            commits.append(Task { try await send.commit() })
        }
        #expect(await messages.rows.count == 10)
        #expect(await messages.state.optimisticKeys.count == 10)

        try await server.restart()
        await messages.start()
        await sender.start()
        for commit in commits { try await commit.value }
        // The events reach the listener on its own task, which may not have run yet.
        try await eventually("every delivery event") { delivered.values.count == keys.count }
        listening.cancel()

        #expect(try replica.outboxEntries().isEmpty)
        #expect(await messages.state.optimisticKeys.isEmpty)
        #expect(Set(await messages.state.synced.keys) == Set(keys + keys.map { "a" + $0.dropFirst() }))
        // In order: each one's transaction after the previous one's.
        let sent = delivered.values
        #expect(sent.map(\.0) == keys)
        #expect(sent.map(\.1) == sent.map(\.1).sorted() && Set(sent.map(\.1)).count == keys.count)
        // Once: a fresh client sees each question once.
        let fresh = alice.messages("c-1")
        await fresh.start()
        try await eventually("a fresh sync") { await fresh.status == .ready }
        #expect(await fresh.rows.count == 10)
        await fresh.stop()
        await messages.stop()
        await sender.stop()
        try await server.stop()
    }

    @Test func aRefusedWriteIsDeadLetteredAndRolledBackWhileLaterWritesStillGo() async throws {
        let dir = TemporaryDirectory()
        let cache = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let alice = try await TestClient(server: server, user: "alice")
        let bob = try await TestClient(server: server, user: "bob")
        _ = try await alice.api.createConversation(id: "c-1", title: "Questions")
        _ = try await bob.api.createConversation(id: "c-bob", title: "Bob's")
        _ = try await alice.api.sendQuestion(conversationId: "c-1", questionId: "q-taken", answerId: "a-taken", content: "First")
        let replica = try LocalReplica.open(
            directory: cache.path, identity: ReplicaIdentity(server: server.baseURL, user: "alice", shape: "outbox"))
        try enqueueQuestion("q-forbidden", conversation: "c-bob", in: replica)
        try enqueueQuestion("q-taken", answer: "a-other", content: "Different", in: replica)
        try enqueueQuestion("q-fine", in: replica)

        let messages = alice.messages("c-1")
        await messages.start()
        try await eventually("ready") { await messages.status == .ready }
        let sender = OutboxSender(replica: replica, policy: Self.quick, deliver: try await deliverer(alice, timeout: .seconds(5)))
        var sends: [String: Transaction] = [:]
        for entry in try replica.outboxEntries() {
            let send = messages.queuedTransaction { try await sender.delivery(of: entry.key) }
            try await send.mutate { draft in for row in entry.rows { try draft.insert(row) } }
            sends[entry.key] = send
        }
        #expect(await messages.rows["q-forbidden"] != nil)
        await sender.start()

        let forbidden = await #expect(throws: OutboxRefusedError.self) { try await sends["q-forbidden"]?.commit() }
        #expect(forbidden?.error.status == 403)
        let conflict = await #expect(throws: OutboxRefusedError.self) { try await sends["q-taken"]?.commit() }
        #expect(conflict?.error.code == "conflict")
        try await sends["q-fine"]?.commit()
        #expect(await messages.rows["q-forbidden"] == nil, "rolled back")
        #expect(await messages.rows["a-other"] == nil, "rolled back")
        #expect(await messages.rows["q-taken"]?["content"] == "First", "the server's row, untouched")
        #expect(await messages.state.synced["q-fine"] != nil)

        let letters = try replica.deadLetters()
        #expect(letters.map(\.entry.key) == ["q-forbidden", "q-taken"])
        #expect(letters.map(\.error.code) == ["forbidden", "conflict"])
        #expect(letters.last?.error.message == "question q-taken was already sent with different content")
        #expect(try replica.outboxEntries().isEmpty)
        #expect(throws: ReplicaError.self) { try enqueueQuestion("q-forbidden", conversation: "c-bob", in: replica) }
        #expect(try replica.clearDeadLetters(keys: ["q-forbidden"]) == 1)
        #expect(try replica.deadLetters().map(\.entry.key) == ["q-taken"])
        #expect(try replica.clearDeadLetters() == 1)
        #expect(try replica.deadLetters().isEmpty)
        await sender.stop()
        await messages.stop()
        try await server.stop()
    }

    @Test func aWriteWhoseResponseWasLostIsRetriedToItsOriginalTxidAndItsOptimisticRowsClear() async throws {
        let dir = TemporaryDirectory()
        let cache = TemporaryDirectory()
        // serve (a debug build) SIGKILLs itself right after committing q-lost, before answering.
        let server = try await TestServer.start(dataDirectory: dir.path, environment: ["QACTL_TEST_KILL_AFTER_COMMIT": "q-lost"])
        let alice = try await TestClient(server: server, user: "alice")
        _ = try await alice.api.createConversation(id: "c-1", title: "Questions")
        let messages = alice.messages("c-1")
        await messages.start()
        try await eventually("ready") { await messages.status == .ready }
        let replica = try LocalReplica.open(
            directory: cache.path, identity: ReplicaIdentity(server: server.baseURL, user: "alice", shape: "outbox"))
        let entry = try enqueueQuestion("q-lost", in: replica)
        let sender = OutboxSender(replica: replica, policy: Self.quick, deliver: try await deliverer(alice, timeout: .seconds(2)))
        let failures = Recorder<String>()
        let events = await sender.events()
        let listening = Task { for await case .retrying(_, _, _, let error) in events { failures.append(error) } }
        let send = messages.queuedTransaction(timeout: .seconds(10)) { try await sender.delivery(of: entry.key) }
        try await send.mutate { draft in for row in entry.rows { try draft.insert(row) } }
        let committing = Task { try await send.commit() }
        await sender.start()

        try await eventually("the first attempt lost its response") { !failures.values.isEmpty }
        #expect(try await server.stop() == SIGKILL)
        #expect(await messages.rows["q-lost"] != nil, "still shown while the server is down")
        try await server.restart(environment: [:])
        try await committing.value
        let txid = try await sender.delivery(of: "q-lost")
        listening.cancel()

        #expect(await send.state == .completed)
        #expect(await messages.state.optimisticKeys.isEmpty, "the optimistic rows cleared")
        #expect(await messages.state.synced["q-lost"] != nil)
        try await messages.awaitTxId(txid, timeout: .zero)
        // The server's own record: the write is there once, under that txid.
        let direct = try await alice.api.sendQuestion(
            conversationId: "c-1", questionId: "q-lost", answerId: "a-lost", content: entry.payload["content"] ?? "")
        #expect(direct == txid)
        let fresh = alice.messages("c-1")
        await fresh.start()
        try await eventually("a fresh sync") { await fresh.status == .ready }
        #expect(await fresh.rows.keys.sorted() == ["a-lost", "q-lost"])
        await fresh.stop()
        await messages.stop()
        await sender.stop()
        try await server.stop()
    }

    @Test func retryNowAbandonsAnAttemptStuckOnADownServer() async throws {
        let dir = TemporaryDirectory()
        let cache = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let alice = try await TestClient(server: server, user: "alice")
        _ = try await alice.api.createConversation(id: "c-1", title: "Questions")
        try await server.stop()
        let replica = try LocalReplica.open(
            directory: cache.path, identity: ReplicaIdentity(server: server.baseURL, user: "alice", shape: "outbox"))
        try enqueueQuestion("q-1", in: replica)
        // An attempt on a refused connection can wait out its whole (here 60 s) timeout.
        let sender = OutboxSender(replica: replica, policy: Self.quick, deliver: try await deliverer(alice, timeout: .seconds(60)))
        await sender.start()
        try await Task.sleep(for: .milliseconds(500))
        try await server.restart()
        let started = ContinuousClock.now
        await sender.retryNow()
        let txid = try await sender.delivery(of: "q-1")
        #expect(txid > 0)
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(try replica.outboxEntries().isEmpty)
        await sender.stop()
        try await server.stop()
    }

    @Test func queuingTheSameKeyTwiceIsOneWrite() throws {
        let cache = TemporaryDirectory()
        let replica = try LocalReplica.open(
            directory: cache.path, identity: ReplicaIdentity(server: "http://127.0.0.1:1", user: "alice", shape: "outbox"))
        let first = try enqueueQuestion("q-1", in: replica)
        let again = try enqueueQuestion("q-1", content: "Changed my mind", in: replica)
        #expect(again == first)
        #expect(try replica.outboxEntries().count == 1)
        #expect(throws: ReplicaError.self) { try replica.enqueue(operation: "questions/send", key: "", payload: [:], collection: "x") }
    }

    @Test func anotherIdentitysQueuedWritesAreNeverSent() throws {
        let cache = TemporaryDirectory()
        let path = cache.path + "/replica.sqlite"
        let alice = try LocalReplica(path: path, identity: ReplicaIdentity(server: "http://127.0.0.1:1", user: "alice", shape: "outbox"))
        try enqueueQuestion("q-1", in: alice)
        let bob = try LocalReplica(path: path, identity: ReplicaIdentity(server: "http://127.0.0.1:1", user: "bob", shape: "outbox"))
        #expect(try bob.outboxEntries().isEmpty)
    }
}

/// Queues `/questions/send` for `key` with the question and placeholder rows to show meanwhile.
@discardableResult
func enqueueQuestion(
    _ key: String, conversation: String = "c-1", answer: String? = nil, content: String? = nil, in replica: LocalReplica
) throws -> OutboxEntry {
    let answerID = answer ?? "a" + key.dropFirst()
    let text = content ?? "Question \(key)"
    let (question, placeholder) = optimisticExchange(conversation: conversation, question: key, answer: answerID, content: text)
    return try replica.enqueue(
        operation: "questions/send", key: key,
        payload: ["conversationId": conversation, "answerId": answerID, "content": text],
        collection: "messages:\(conversation)", rows: [question, placeholder])
}

/// Sends a queued question through the API as `client`, with a short per-call timeout.
func deliverer(_ client: TestClient, timeout: Duration) async throws -> @Sendable (OutboxEntry) async throws -> UInt64 {
    let token = try await client.server.authToken(client.user)
    let api = APIClient(baseURL: client.server.baseURL, timeout: timeout, authToken: { token })
    return { entry in
        try await api.sendQuestion(
            conversationId: entry.payload["conversationId"] ?? "", questionId: entry.key, answerId: entry.payload["answerId"] ?? "",
            content: entry.payload["content"] ?? "")
    }
}
