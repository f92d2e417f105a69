import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import Testing
import QACtlTestSupport

/// `qactl serve --electric-url`: the gatekeeper in front of an Electric over HTTP.
@Suite(.serialized) struct ProxyTests {
    let dir = TemporaryDirectory()

    @Test func aSecondQactlServeActsAsTheUpstreamElectric() async throws {
        let upstream = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "upstream-secret"])
        let gatekeeper = try await ServeProcess.start(
            dataDirectory: dir.path, arguments: ["--electric-url", upstream.baseURL, "--electric-secret", "upstream-secret"])
        // The banner's lines after "listening on" may still be on their way.
        try await eventually("the banner to name the upstream", timeout: .seconds(10)) { gatekeeper.stdout.contains("→ Electric at \(upstream.baseURL)") }
        let api = ServerAPI(server: gatekeeper)
        let alice = try await api.authToken("alice")
        try await api.conversation("c-1", token: alice)
        let token = try #require(try await api.shapeToken(table: "messages", params: ["conversationId": "c-1"], token: alice).1)
        var follow = ServerAPI.Follow()
        try await api.catchUp(&follow, token: token)

        let state = follow
        let live = Task {
            var copy = state
            return try await api.follow(&copy, token: token, live: true)
        }
        try await Task.sleep(for: .milliseconds(300))
        let sent = try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "q", "answerId": "a", "content": "hello"], token: alice)
        let txid = try #require(sent.json["txid"] as? Int)
        let answer = try await live.value
        #expect(answer.status == 200)
        // The question and the answer placeholder, in the send's transaction (the
        // builtin answer may already follow in later transactions).
        let inserts = answer.changes.filter { ($0["headers"] as? [String: Any])?["operation"] as? String == "insert" }
        #expect(inserts.count == 2)
        #expect(inserts.allSatisfy { ($0["headers"] as? [String: Any])?["txids"] as? [Int] == [txid] })
        #expect(answer.header("electric-cursor") != nil)
        #expect(answer.header("vary")?.contains("authorization") == true)

        // Health: the upstream answers Electric's /v1/health, and the gatekeeper's /healthz follows it.
        let upstreamHealth = try await HTTP.send(upstream.baseURL + "/v1/health")
        #expect(upstreamHealth.status == 200 && upstreamHealth.body.contains(#""status":"active""#), "\(upstreamHealth.body)")
        #expect(try await HTTP.send(gatekeeper.baseURL + "/healthz").status == 200)
        #expect(try await HTTP.send(gatekeeper.baseURL + "/healthz", method: .HEAD).status == 200)
        try await upstream.stop()
        try await eventually("the gatekeeper's health shows the upstream gone", timeout: .seconds(10)) {
            let health = try await HTTP.send(gatekeeper.baseURL + "/healthz")
            return health.status == 503 && health.body.contains("cannot be reached")
        }
        try await gatekeeper.stop()
    }

    @Test func onlyTheTokensShapeAndTheProtocolParametersGoUpstream() async throws {
        let recorder = try await RecordingUpstream.start()
        let gatekeeper = try await ServeProcess.start(
            dataDirectory: dir.path, arguments: ["--electric-url", recorder.baseURL, "--electric-secret", "top-secret"])
        let api = ServerAPI(server: gatekeeper)
        let alice = try await api.authToken("alice")
        try await api.conversation("c-1", token: alice)
        let token = try #require(try await api.shapeToken(table: "messages", params: ["conversationId": "c-1"], token: alice).1)

        let answer = try await api.shape([
            ("offset", "5_2"), ("handle", "h-1"), ("live", "true"), ("cursor", "42"), ("log", "full"), ("replica", "full"),
            ("columns", "id,content"), ("expired_handle", "h-0"), ("cache-buster", "cb"),
            ("table", "conversations"), ("where", "1 = 1"), ("params[1]", "bob"), ("params[2]", "x"), ("secret", "guess"),
            ("api_secret", "guess"), ("foo", "bar"), ("live_sse", "true"),
        ], token: token, headers: [("if-none-match", "\"etag-0\"")])
        #expect(answer.status == 200)
        #expect(answer.body == #"[{"headers":{"control":"up-to-date","global_last_seen_lsn":"7"}}]"#)
        for header in ["electric-handle", "electric-offset", "electric-cursor", "electric-up-to-date", "electric-has-data", "etag", "cache-control", "retry-after"] {
            #expect(answer.header(header) != nil, "\(header) relayed")
        }
        #expect(answer.header("x-upstream-internal") == nil)
        #expect(answer.header("vary")?.contains("authorization") == true)

        let request = try #require(recorder.requests.last)
        #expect(request.path == "/v1/shape")
        let expected: [String: String] = [
            "offset": "5_2", "handle": "h-1", "live": "true", "cursor": "42", "log": "full", "replica": "full",
            "columns": "id,content", "expired_handle": "h-0", "cache-buster": "cb", "live_sse": "true",
            "table": "messages", "where": "conversation_id = $1", "params[1]": "c-1", "secret": "top-secret",
        ]
        #expect(Dictionary(request.query, uniquingKeysWith: { _, last in last }) == expected)
        #expect(request.query.filter { $0.0 == "secret" }.count == 1)
        #expect(request.headers["authorization"] == nil)
        #expect(request.headers["if-none-match"] == "\"etag-0\"")
        try await gatekeeper.stop()
        await recorder.stop()
    }

    @Test func aLivePollWhoseClientLeavesIsCancelledUpstream() async throws {
        let recorder = try await RecordingUpstream.start()
        let gatekeeper = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--electric-url", recorder.baseURL])
        let api = ServerAPI(server: gatekeeper)
        let alice = try await api.authToken("alice")
        try await api.conversation("c-1", token: alice)
        let token = try #require(try await api.shapeToken(table: "messages", params: ["conversationId": "c-1"], token: alice).1)
        var components = URLComponents(string: gatekeeper.baseURL + "/shape")!
        components.queryItems = [URLQueryItem(name: "offset", value: "1_0"), URLQueryItem(name: "handle", value: "h"), URLQueryItem(name: "live", value: "true")]
        // The client gives up after 1 s, long before the upstream's 10 s hold ends.
        await #expect(throws: (any Error).self) {
            try await HTTP.send(components.url!.absoluteString, headers: [("authorization", "Bearer \(token)")], timeout: .seconds(1))
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while recorder.closedLivePolls == 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(recorder.closedLivePolls == 1)
        try await gatekeeper.stop()
        await recorder.stop()
    }

    @Test func anUnreachableUpstreamIs503WithRetryAfter() async throws {
        let gatekeeper = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--electric-url", "http://127.0.0.1:9"])
        let api = ServerAPI(server: gatekeeper)
        let alice = try await api.authToken("alice")
        try await api.conversation("c-1", token: alice)
        let token = try #require(try await api.shapeToken(table: "messages", params: ["conversationId": "c-1"], token: alice).1)
        let answer = try await api.shape([("offset", "-1")], token: token)
        #expect(answer.status == 503)
        #expect(answer.header("retry-after") == "1")
        #expect((answer.json["error"] as? [String: Any])?["code"] as? String == "unavailable")
        // A balancer asking /healthz hears the same, with the reason.
        let health = try await HTTP.send(gatekeeper.baseURL + "/healthz")
        #expect(health.status == 503 && health.body.contains("http://127.0.0.1:9 cannot be reached"), "\(health.status) \(health.body)")
        let probed = try await HTTP.send(gatekeeper.baseURL + "/healthz", method: .HEAD)
        #expect(probed.status == 503 && probed.header("retry-after") == "1")
        try await gatekeeper.stop()
    }
}

/// An in-test stand-in for Electric that records what reaches it and answers
/// like Electric does (mocked: the real Electric cannot run on this machine).
final class RecordingUpstream: Sendable {
    struct Recorded: Sendable {
        let path: String
        let query: [(String, String)]
        let headers: [String: String]
    }

    let baseURL: String
    private let recorded: RecordBox
    private let task: Task<Void, any Error>

    var requests: [Recorded] { recorded.items.withLock { $0 } }
    var closedLivePolls: Int { recorded.closed.withLock { $0 } }

    private init(baseURL: String, recorded: RecordBox, task: Task<Void, any Error>) {
        self.baseURL = baseURL
        self.recorded = recorded
        self.task = task
    }

    static func start() async throws -> RecordingUpstream {
        let box = RecordBox()
        let router = Router()
        router.get("/v1/shape") { request, _ -> Response in
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let query = (request.uri.query ?? "").split(separator: "&").map { pair -> (String, String) in
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                return (parts[0], parts.count > 1 ? parts[1] : "")
            }
            box.items.withLock { $0.append(Recorded(path: request.uri.path, query: query, headers: headers)) }
            if query.contains(where: { $0.0 == "live" && $0.1 == "true" }) && query.contains(where: { $0.0 == "offset" && $0.1 == "1_0" }) {
                // A long hold; notes when the gatekeeper goes away before it ends.
                try? await request.body.consumeWithInboundCloseHandler { _ in
                    try await Task.sleep(for: .seconds(10))
                } onInboundClosed: {
                    box.closed.withLock { $0 += 1 }
                }
            }
            var fields = HTTPFields()
            for (name, value) in [
                ("electric-handle", "h-1"), ("electric-offset", "7_0"), ("electric-cursor", "43"), ("electric-up-to-date", ""),
                ("electric-has-data", "false"), ("etag", "\"h-1:5_2:7_0\""), ("cache-control", "public, max-age=5, stale-while-revalidate=5"),
                ("retry-after", "3"), ("x-upstream-internal", "do-not-relay"), ("content-type", "application/json; charset=utf-8"),
            ] {
                fields[HTTPField.Name(name)!] = value
            }
            return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: #"[{"headers":{"control":"up-to-date","global_last_seen_lsn":"7"}}]"#)))
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("the recording upstream did not start") }
        return RecordingUpstream(baseURL: "http://127.0.0.1:\(port)", recorded: box, task: task)
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

final class RecordBox: Sendable {
    let items = Mutex<[RecordingUpstream.Recorded]>([])
    let closed = Mutex(0)
}
