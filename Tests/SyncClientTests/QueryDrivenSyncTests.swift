import Foundation
import ShapeWire
import Synchronization
import Testing
@testable import QACtlSync
import QACtlTestSupport

/// The Swift client on Electric's current edition: SSE live mode, on-demand
/// collections whose live queries load their rows as subset snapshots, and
/// `awaitTxId` through a subset's snapshot bounds — against a real `qactl serve`.
@Suite(.serialized) struct QueryDrivenSyncTests {
    let dir = TemporaryDirectory()

    /// Every `/v1/shape` POST (a subset snapshot) the server has answered, from /metrics.
    func subsetRequests(_ server: TestServer) async throws -> Int {
        let metrics = try await HTTP.send(server.baseURL + "/metrics").body
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("qactl_http_request_duration_seconds_count{route=\"/v1/shape\",method=\"POST\"}") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }

    /// A direct `/v1/shape` configuration for all of alice's messages.
    func aliceMessages(_ server: TestServer, configure: (inout ShapeStreamConfiguration) -> Void = { _ in }) -> ShapeStreamConfiguration {
        var configuration = ShapeStreamConfiguration(
            url: server.baseURL + "/v1/shape", parameters: ["table": "messages", "where": "user_id = $1", "params[1]": "alice", "secret": "s3cret"])
        configuration.backoff = Backoff(initialDelay: .milliseconds(50), maxDelay: .milliseconds(500))
        configure(&configuration)
        return configuration
    }

    @Test func sseStreamsBatchesAcrossStreamsTheServerCloses() async throws {
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--answerer", "none", "--sse-timeout", "2s", "--long-poll-timeout", "1s"])
        let alice = try await TestClient(server: server, user: "alice")
        _ = try await alice.api.createConversation(id: "c-1", title: "Questions")
        let requests = Recorder<ShapeRequestInfo>()
        let messages = alice.messages("c-1") { configuration in
            configuration.liveMode = .serverSentEvents
            configuration.onRequest = { requests.append($0) }
        }
        let (recorded, recording) = await record(messages)
        await messages.start()
        var txids: [UInt64] = []
        for index in 1...3 {
            let txid = try await alice.api.sendQuestion(conversationId: "c-1", questionId: "q-\(index)", answerId: "a-\(index)", content: "Question \(index)")
            try await messages.awaitTxId(txid, timeout: .seconds(10))
            txids.append(txid)
            // Past the server's --sse-timeout: the next write comes on a new stream.
            try await Task.sleep(for: .milliseconds(1500))
        }
        let live = requests.values.filter(\.isLive)
        #expect(live.count >= 2, "the stream reconnected after the server closed it")
        #expect(live.allSatisfy { $0.url.contains("live_sse=true") }, "and stayed on SSE")
        #expect(await messages.rows.count == 6)
        // Each row arrived once: the snapshot of each key shows one insert.
        let inserted = recorded.values.flatMap { snapshot in snapshot.changedKeys }.filter { $0.hasPrefix("q-") }
        #expect(Set(inserted) == ["q-1", "q-2", "q-3"])
        recording.cancel()
        await messages.stop()
        try await server.stop()
    }

    @Test func anOnDemandLiveQueryLoadsOnlyItsRowsOnce() async throws {
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret", "--answerer", "none"])
        let alice = try await TestClient(server: server, user: "alice")
        for conversation in ["c-1", "c-2"] {
            _ = try await alice.api.createConversation(id: conversation, title: conversation)
            for index in 1...3 {
                _ = try await alice.api.sendQuestion(
                    conversationId: conversation, questionId: "\(conversation)-q\(index)", answerId: "\(conversation)-a\(index)", content: "Question \(index)")
            }
        }
        let messages = SyncCollection(id: "messages", shape: aliceMessages(server) { $0.syncMode = .onDemand })
        await messages.start()
        try await eventually("the stream to be live at now") { await messages.status == .ready }
        #expect(await messages.rows.isEmpty, "on demand: nothing is synced until a query asks")

        // Two views of the same query: one subset request between them.
        let newest = SubsetQuery(
            where: .and([.equals("conversation_id", "c-1"), .equals("role", "user")]),
            orderBy: [.descending("created_at", as: .timestamp)], limit: 2)
        let before = try await subsetRequests(server)
        let first = messages.liveQuery(newest).updates()
        let second = messages.liveQuery(newest).updates()
        var firstIterator = first.makeAsyncIterator()
        var shown: [String] = []
        while shown.count < 2, let update = await firstIterator.next() { shown = update.rows.compactMap { $0["id"] } }
        #expect(shown == ["c-1-q3", "c-1-q2"])
        var secondIterator = second.makeAsyncIterator()
        var alsoShown: [String] = []
        while alsoShown.count < 2, let update = await secondIterator.next() { alsoShown = update.rows.compactMap { $0["id"] } }
        #expect(alsoShown == shown)
        #expect(try await subsetRequests(server) - before == 1, "one request per distinct subset")
        #expect(await messages.rows.count == 2, "only the query's rows were loaded")

        // A new question shows up live, through the changes-only log.
        let txid = try await alice.api.sendQuestion(conversationId: "c-1", questionId: "c-1-q4", answerId: "c-1-a4", content: "Live")
        try await messages.awaitTxId(txid, timeout: .seconds(10))
        while shown.first != "c-1-q4", let update = await firstIterator.next() { shown = update.rows.compactMap { $0["id"] } }
        #expect(shown == ["c-1-q4", "c-1-q3"])
        await messages.stop()
        try await server.stop()
    }

    @Test func awaitTxIdResolvesThroughASubsetsSnapshot() async throws {
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret", "--answerer", "none"])
        let alice = try await TestClient(server: server, user: "alice")
        _ = try await alice.api.createConversation(id: "c-1", title: "Questions")
        // Written before the on-demand stream starts: it never comes through its log.
        let txid = try await alice.api.sendQuestion(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "Before")
        let messages = SyncCollection(id: "messages", shape: aliceMessages(server) { $0.syncMode = .onDemand })
        await messages.start()
        try await eventually("the stream to be live at now") { await messages.status == .ready }
        let waiting = Task { try await messages.awaitTxId(txid, timeout: .seconds(10)) }
        try await Task.sleep(for: .milliseconds(200))
        try await messages.load(SubsetQuery(where: .equals("id", "q-1")))
        try await waiting.value
        #expect(await messages.row("q-1")?["content"] == "Before")
        // A subset the server refuses is an error the caller sees.
        await #expect(throws: ShapeStreamError.self) {
            try await messages.load(SubsetQuery(where: .equals("no_such_column", "x")))
        }
        await messages.stop()
        try await server.stop()
    }
}
