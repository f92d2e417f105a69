import AsyncHTTPClient
import Foundation
import NIOCore
import QACtlTestSupport
import Testing

/// An SSE response read as it streams: its head at once, its text as it comes.
final class EventStreamReader: @unchecked Sendable {
    let status: Int
    let headers: [String: String]
    private let lock = NSLock()
    private var received = ""
    private var ended = false
    private var reading: Task<Void, Never>?

    init(url: String, headers: [(String, String)] = []) async throws {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "accept", value: "text/event-stream")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        status = Int(response.status.code)
        var map: [String: String] = [:]
        for header in response.headers { map[header.name.lowercased()] = header.value }
        self.headers = map
        reading = Task { [self] in
            do {
                for try await buffer in response.body {
                    lock.withLock { received += String(buffer: buffer) }
                }
            } catch {}
            lock.withLock { ended = true }
        }
    }

    var text: String { lock.withLock { received } }
    var hasEnded: Bool { lock.withLock { ended } }

    /// The JSON of every `data:` event so far.
    var events: [[String: Any]] {
        text.components(separatedBy: "\n\n").compactMap { block in
            guard block.hasPrefix("data: ") else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(block.dropFirst(6).utf8)) as? [String: Any]
        }
    }

    /// Waits (up to `timeout`) until `condition` holds for what has arrived.
    func wait(for what: String, timeout: Duration = .seconds(15), _ condition: (EventStreamReader) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(self) {
            guard ContinuousClock.now < deadline else { throw TestFailure("timed out waiting for \(what); received: \(text.suffix(600))") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Drops the connection, as a client that goes away.
    func close() { reading?.cancel() }
}

/// SSE live mode (`live=true&live_sse=true`) through the gatekeeper and on
/// `/v1/shape`, and the operator's `DELETE /v1/shape`.
@Suite(.serialized) struct LiveSSETests {
    let dir = TemporaryDirectory()

    @Test func eventsUpToDateKeepAlivesAndResumeThroughTheGatekeeper() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--answerer", "none", "--long-poll-timeout", "1s", "--sse-timeout", "10s"])
        // 10 s: on a loaded machine the keep-alive, the send and its events took over 5 s once.
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        try await api.conversation("c-1", token: alice)
        let token = try #require(try await api.shapeToken(table: "messages", params: ["conversationId": "c-1"], token: alice).1)
        var follow = ServerAPI.Follow()
        try await api.catchUp(&follow, token: token)

        let opened = ContinuousClock.now
        let stream = try await EventStreamReader(
            url: server.url("/shape", [("offset", follow.offset), ("handle", follow.handle), ("live", "true"), ("live_sse", "true"), ("cursor", follow.cursor)]),
            headers: [("authorization", "Bearer \(token)")])
        #expect(stream.status == 200)
        #expect(stream.headers["content-type"] == "text/event-stream")
        #expect(stream.headers["cache-control"] == "public, max-age=9", "max-age: the SSE timeout less a second")
        #expect(stream.headers["electric-handle"] == follow.handle)
        #expect(stream.headers["electric-offset"] == follow.offset)
        #expect(stream.headers["electric-cursor"] != nil)
        #expect(stream.headers["vary"]?.contains("authorization") == true)

        // Silence: a keep-alive comment after the keep-alive interval.
        try await stream.wait(for: "a keep-alive") { $0.text.contains(": keep-alive\n\n") }
        // A write: its changes, then up-to-date, each one event, unbuffered.
        let sent = try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "q-1", "answerId": "a-1", "content": "Streamed?"], token: alice)
        let txid = try #require(sent.json["txid"] as? Int)
        try await stream.wait(for: "the question's events") { reader in
            reader.events.contains { ($0["headers"] as? [String: Any])?["control"] as? String == "up-to-date" }
        }
        #expect(!stream.hasEnded, "the stream stays open after a batch")
        let changes = stream.events.filter { $0["key"] != nil }
        #expect(changes.map { ($0["value"] as? [String: Any])?["id"] as? String } == ["q-1", "a-1"])
        #expect(changes.allSatisfy { ($0["headers"] as? [String: Any])?["txids"] as? [Int] == [txid] })
        let upToDate = try #require(stream.events.last?["headers"] as? [String: Any])
        let lsn = try #require(upToDate["global_last_seen_lsn"] as? String)

        // The server closes the stream after --sse-timeout.
        try await stream.wait(for: "the end of the stream", timeout: .seconds(20)) { $0.hasEnded }
        #expect(ContinuousClock.now - opened >= .seconds(9))

        // Electric's client resumes from `<global_last_seen_lsn>_0`: nothing again, the next write once.
        var resumed = follow
        resumed.offset = lsn + "_0"
        resumed.messages = []
        let again = try await api.follow(&resumed, token: token)
        #expect(again.status == 200)
        #expect(again.changes.isEmpty, "a resumed client gets nothing twice: \(again.body)")
        _ = try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "q-2", "answerId": "a-2", "content": "Next"], token: alice)
        try await eventually("the next question after resuming") {
            _ = try await api.follow(&resumed, token: token)
            return resumed.messages.contains { ($0["value"] as? [String: Any])?["id"] as? String == "q-2" }
        }
        #expect(resumed.messages.filter { $0["key"] != nil }.map { ($0["value"] as? [String: Any])?["id"] as? String } == ["q-2", "a-2"])
        try await server.stop()
    }

    @Test func aClientThatLeavesFreesItsLiveSlotAndShutdownEndsStreams() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: [
            // Keep-alives every 20 s: the slot must come back when the client leaves, not at the next failed write.
            "--sync-secret", "s3cret", "--answerer", "none", "--long-poll-timeout", "20s", "--max-live-requests", "1",
        ])
        let client = ShapeClient(server: server)
        let subscription = try await client.subscribe([("table", "conversations")])
        let live = [("table", "conversations"), ("offset", subscription.offset), ("handle", subscription.handle ?? ""), ("live", "true"), ("secret", "s3cret")]
        // The older parameter name works too.
        let first = try await EventStreamReader(url: server.url("/v1/shape", live + [("experimental_live_sse", "true")]))
        #expect(first.headers["content-type"] == "text/event-stream")
        // The one live slot is taken while it streams.
        let refused = try await client.get(Array(live.dropLast()))
        #expect(refused.status == 503)
        #expect(refused.header("retry-after") != nil)
        first.close()
        // Gone: the stream ends with its connection, and the slot is free.
        try await eventually("the live slot to be given back", timeout: .seconds(3)) {
            let metrics = try await HTTP.send(server.baseURL + "/metrics").body
            return metrics.contains("qactl_shape_live_polls 0")
        }
        let second = try await EventStreamReader(url: server.url("/v1/shape", live + [("live_sse", "true")]))
        #expect(second.status == 200)
        // live_sse needs live.
        let notLive = try await client.get([("table", "conversations"), ("offset", "-1"), ("live_sse", "true")])
        #expect(notLive.status == 400)
        #expect(notLive.body.contains("live_sse"))
        // SIGTERM ends the open stream and the server exits promptly.
        let stopping = ContinuousClock.now
        #expect(try await server.stop() == 0)
        #expect(ContinuousClock.now - stopping < .seconds(15))
        try await second.wait(for: "the stream to end at shutdown", timeout: .seconds(5)) { $0.hasEnded }
    }

    @Test func deleteNeedsTheFlagAndTheSecret() async throws {
        let plain = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret", "--answerer", "none"])
        let client = ShapeClient(server: plain)
        let subscription = try await client.subscribe([("table", "conversations")])
        let refused = try await HTTP.send(client.url([("handle", subscription.handle!)]), method: .DELETE)
        #expect(refused.status == 405)
        #expect(refused.body.contains("--allow-shape-deletion"))
        try await plain.stop()

        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret", "--answerer", "none", "--allow-shape-deletion"])
        let allowed = ShapeClient(server: server)
        let data = try TestData(server: server)
        try await data.conversation("c-1", user: "alice")
        let mine = [("table", "conversations"), ("where", "user_id = $1"), ("params[1]", "alice")]
        var followed = try await allowed.subscribe(mine)
        let handle = try #require(followed.handle)
        // Without the secret: 401, and the shape stays.
        var anonymous = allowed
        anonymous.secret = nil
        #expect(try await HTTP.send(anonymous.url([("handle", handle)]), method: .DELETE).status == 401)
        #expect(try await allowed.poll(&followed, live: false).status == 200)
        // Unknown handle: 404. By definition: 202, and its clients refetch.
        #expect(try await HTTP.send(allowed.url([("handle", "1-2")]), method: .DELETE).status == 404)
        #expect(try await HTTP.send(allowed.url(mine), method: .DELETE).status == 202)
        let gone = try await allowed.poll(&followed, live: false)
        #expect(gone.status == 409)
        #expect(gone.header("electric-handle") != handle)
        // A live poll parked on a shape that is deleted: 409 naming no successor
        // yet, which a CDN may keep for a second only.
        let parked = try await allowed.subscribe(mine)
        let waiting = allowed.livePoll(parked)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await HTTP.send(allowed.url([("handle", parked.handle!)]), method: .DELETE).status == 202)
        let (orphaned, _) = try await waiting.value
        #expect(orphaned.status == 409)
        #expect(orphaned.header("electric-handle") == nil)
        #expect(orphaned.header("cache-control") == "public, max-age=1, must-revalidate")
        // By handle.
        let fresh = try await allowed.subscribe(mine)
        #expect(try await HTTP.send(allowed.url([("handle", fresh.handle!)]), method: .DELETE).status == 202)
        #expect(try await HTTP.send(allowed.url([("handle", fresh.handle!)]), method: .DELETE).status == 404)
        // A fresh subscription still sees the rows.
        #expect(try await allowed.subscribe(mine).rows.count == 1)
        try await server.stop()
    }

    @Test func cacheHeadersOfRefetchesErrorsAndPosts() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret", "--answerer", "none"])
        let client = ShapeClient(server: server)
        let subscription = try await client.subscribe([("table", "conversations")])
        let handle = try #require(subscription.handle)
        // A stale handle: 409 naming the current one, cached briefly by a CDN.
        let stale = try await client.get([("table", "conversations"), ("offset", "0_inf"), ("handle", "1-1")])
        #expect(stale.status == 409)
        #expect(stale.header("electric-handle") == handle)
        #expect(stale.header("cache-control") == "public, max-age=60, must-revalidate")
        // Errors are never stored, by browsers or CDNs.
        let bad = try await client.get([("table", "conversations"), ("offset", "nope")])
        #expect(bad.status == 400)
        #expect(bad.header("cache-control") == "no-store")
        #expect(bad.header("surrogate-control") == "no-store")
        // If-None-Match: 304 on the cacheable answers.
        for offset in ["-1", "0_0"] {
            let first = try await client.get([("table", "conversations"), ("offset", offset), ("handle", handle)])
            let etag = try #require(first.header("etag"))
            let again = try await client.get([("table", "conversations"), ("offset", offset), ("handle", handle)], headers: [("if-none-match", etag)])
            #expect(again.status == 304, "offset \(offset)")
            #expect(again.body.isEmpty)
        }
        // A POST (subset) is never cached.
        let post = try await HTTP.send(client.url([("table", "conversations"), ("offset", "now")]), method: .POST,
                                       headers: [("content-type", "application/json")], body: "{\"where\": \"id <> ''\"}")
        #expect(post.status == 200)
        #expect(post.header("cache-control") == "no-cache")
        try await server.stop()
    }
}
