import Foundation
import PostgresHarness
import ShapeWire
import Synchronization
import Testing
@testable import QACtlSync
import QACtlTestSupport

/// The stream against a real `qactl serve` that restarts, and tokens the gatekeeper refuses.
@Suite(.serialized) struct StreamResilienceTests {
    @Test func theStreamContinuesAcrossAServerRestartWithoutLossOrDuplicates() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let alice = try await TestClient(server: server, user: "alice")
        _ = try await alice.api.createConversation(id: "c-1", title: "Questions")
        _ = try await alice.api.sendQuestion(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "Before")

        let changes = Recorder<ChangeMessage>()
        let stream = ShapeStream(alice.shape("messages", ["conversationId": "c-1"]))
        let following = Task {
            for try await event in stream.events() {
                if case .batch(let batch) = event { batch.changes.forEach(changes.append) }
            }
        }
        let messages = alice.messages("c-1")
        await messages.start()
        try await eventually("first rows") {
            let shown = await messages.rows.count
            return changes.values.count == 2 && shown == 2
        }
        // Let both settle into a live long-poll.
        try await Task.sleep(for: .milliseconds(300))

        try await server.stop()
        // Written while the server is down, by another process.
        let shell = try await blocking { [dir] in
            try CommandRunner.run("/usr/bin/sqlite3", [
                dir.path + "/qactl.sqlite",
                "INSERT INTO messages(id, conversation_id, user_id, role, status, content, created_at, updated_at) VALUES ('m-down', 'c-1', 'alice', 'user', 'completed', 'While down', '2026-11-29 10:00:00.000000+00', '2026-11-29 10:00:00.000000+00');",
            ])
        }
        #expect(shell.status == 0, "\(shell.stderr)")
        try await Task.sleep(for: .milliseconds(500))
        try await server.restart()

        let txid = try await alice.api.sendQuestion(conversationId: "c-1", questionId: "q-2", answerId: "a-2", content: "After")
        try await messages.awaitTxId(txid, timeout: .seconds(15))
        try await eventually("every insert") { changes.values.filter { $0.operation == .insert }.count >= 5 }
        try await Task.sleep(for: .milliseconds(300))
        following.cancel()

        // Each row inserted exactly once; any updates are the server's answers streaming in.
        let received = changes.values
        let inserts = received.filter { $0.operation == .insert }
        #expect(inserts.count == 5)
        #expect(Set(inserts.map(\.key)).count == 5)
        #expect(received.allSatisfy { $0.operation == .insert || ["a-1", "a-2"].contains($0.value["id"] ?? "") })
        // No change delivered twice: every logged change has its own (lsn, op_position).
        let positions = received.filter { $0.lsn != nil }.map { "\($0.lsn ?? "")_\($0.opPosition ?? -1)" }
        #expect(Set(positions).count == positions.count)
        #expect(Set(await messages.rows.keys) == ["q-1", "a-1", "m-down", "q-2", "a-2"])
        #expect(await messages.status == .ready)
        await messages.stop()
        try await server.stop()
    }

    @Test func aRefusedShapeTokenIsReplacedAndTheStreamResumesFromTheSameOffset() async throws {
        let dir = TemporaryDirectory()
        // Short long-polls, so the stream asks for a token often.
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--long-poll-timeout", "1s"])
        let alice = try await TestClient(server: server, user: "alice")
        _ = try await alice.api.createConversation(id: "c-1", title: "Questions")
        _ = try await alice.api.sendQuestion(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "Before")

        // The gatekeeper cannot be made to expire a real token quickly (30 s leeway),
        // so the second fetch hands out a token it refuses, as it would an expired one.
        let fetches = Mutex(0)
        let api = alice.api
        let provider = ShapeTokenProvider { request in
            let number = fetches.withLock { count in
                count += 1
                return count
            }
            if number == 2 { return ShapeToken(token: "expired.or.garbled", expiresAt: Date().addingTimeInterval(300)) }
            let real = try await api.shapeToken(for: request)
            // The first one claims to live 2 s, so the provider refreshes it soon.
            return number == 1 ? ShapeToken(token: real.token, expiresAt: Date().addingTimeInterval(2), shape: real.shape) : real
        }
        let log = Recorder<String>()
        var configuration = alice.shape("messages", ["conversationId": "c-1"])
        configuration.authorization = RecordingAuthorization(
            inner: provider.authorization(for: ShapeTokenRequest(table: "messages", params: ["conversationId": "c-1"])), log: log)
        configuration.onRequest = { log.append("request \($0.offset) \($0.isLive)") }
        let messages = SyncCollection(id: "messages", shape: configuration)
        await messages.start()
        try await eventually("ready") { await messages.status == .ready }
        try await eventually("the bad token refused", timeout: .seconds(20)) { log.values.contains("refused expired.or.garbled") }
        let txid = try await alice.api.sendQuestion(conversationId: "c-1", questionId: "q-2", answerId: "a-2", content: "After")
        try await messages.awaitTxId(txid, timeout: .seconds(10))
        #expect(await messages.rows.count == 4)
        #expect(await messages.status == .ready)
        #expect(await provider.fetchCount >= 3)

        // The request after the refusal repeats the refused one: same offset, live.
        let entries = log.values
        let refused = try #require(entries.firstIndex(of: "refused expired.or.garbled"))
        let refusedRequest = try #require(entries[..<refused].last { $0.hasPrefix("request ") })
        let retried = try #require(entries[refused...].first { $0.hasPrefix("request ") })
        #expect(refusedRequest == retried)
        #expect(!refusedRequest.hasPrefix("request -1"))
        #expect(entries.filter { $0 == "refused expired.or.garbled" }.count == 1)
        await messages.stop()
        try await server.stop()
    }

    @Test func aTokenRefusedOnTheFirstRequestIsRefreshedBeforeAnyData() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let alice = try await TestClient(server: server, user: "alice")
        _ = try await alice.api.createConversation(id: "c-1", title: "Questions")
        let api = alice.api
        let fetches = Mutex(0)
        let provider = ShapeTokenProvider { request in
            let first = fetches.withLock { count in
                count += 1
                return count == 1
            }
            return first ? ShapeToken(token: "not-a-jwt", expiresAt: Date().addingTimeInterval(300)) : try await api.shapeToken(for: request)
        }
        let offsets = Recorder<String>()
        var configuration = ShapeStreamConfiguration.gatekeeper(
            baseURL: server.baseURL, table: "messages", params: ["conversationId": "c-1"], tokens: provider)
        configuration.onRequest = { offsets.append($0.offset) }
        let messages = SyncCollection(id: "messages", shape: configuration)
        await messages.start()
        try await eventually("ready") { await messages.status == .ready }
        #expect(await provider.fetchCount == 2)
        #expect(Array(offsets.values.prefix(2)) == ["-1", "-1"])
        await messages.stop()
        try await server.stop()
    }
}

/// Logs what the stream asks of its authorization, in order.
private struct RecordingAuthorization: ShapeAuthorization {
    let inner: any ShapeAuthorization
    let log: Recorder<String>

    func token() async throws -> String {
        try await inner.token()
    }

    func refused(_ token: String) async {
        log.append("refused \(token)")
        await inner.refused(token)
    }
}
