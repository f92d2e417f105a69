import Foundation
import QACtlTestSupport
import Testing

/// Clients that misbehave at the HTTP level: slow, half-finished, too many,
/// too long, too old. Each gets a clear answer or a closed socket, and the
/// server keeps serving everyone else.
@Suite(.serialized) struct HTTPAbuseTests {
    let dir = TemporaryDirectory()

    @Test func slowAndSurplusConnectionsAreClosedAndHealthStaysReachable() async throws {
        let server = try await TestServer.start(
            dataDirectory: dir.path, arguments: ["--max-connections", "20", "--idle-timeout", "8s", "--log-level", "info"])
        // Half a request line each: the first 20 take every slot.
        var slow: [RawSocket] = []
        for _ in 0..<20 {
            let socket = try RawSocket(port: server.port)
            socket.send("GET /hea")
            slow.append(socket)
        }
        try await Task.sleep(for: .milliseconds(100))
        // Over the limit, a request is answered 503 with a retry-after (so clients back off), then closed.
        let surplus = try RawSocket(port: server.port)
        surplus.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let refused = try await surplus.receive(timeout: .seconds(5))
        #expect(refused.closed, "a connection over the limit is closed after its answer")
        #expect(refused.text.hasPrefix("HTTP/1.1 503"), "\(refused.text.prefix(200))")
        #expect(refused.text.lowercased().contains("retry-after: "))
        #expect(refused.text.contains(#""code":"unavailable""#) && refused.text.contains("limit of 20 open connections"))
        let surplusPost = try RawSocket(port: server.port)
        surplusPost.send("POST /conversations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"id\":\"a\"}")
        let refusedPost = try await surplusPost.receive(timeout: .seconds(5))
        #expect(refusedPost.text.hasPrefix("HTTP/1.1 503") && refusedPost.closed, "\(refusedPost.text.prefix(200))")
        try await eventually("the refusal is logged", timeout: .seconds(5)) { server.stderr.contains("connection limit reached") }

        // Connections waiting to be refused are bounded too: past that, a new one is closed at once, unanswered.
        var waiting: [RawSocket] = []
        for _ in 0..<64 { waiting.append(try RawSocket(port: server.port)) }
        try await Task.sleep(for: .milliseconds(200))
        let beyond = try RawSocket(port: server.port)
        beyond.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let dropped = try await beyond.receive(timeout: .seconds(5))
        #expect(dropped.closed && dropped.text.isEmpty, "\(dropped.text.prefix(200))")
        waiting.first?.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await waiting.first?.receive(timeout: .seconds(5)).text.hasPrefix("HTTP/1.1 503") == true)

        // The idle timeout frees the slots: half a request line is not held for minutes.
        #expect(try await slow[0].receive(timeout: .seconds(15)).closed)
        try await eventually("healthz answers again", timeout: .seconds(10)) {
            (try? await HTTP.send(server.baseURL + "/healthz", timeout: .seconds(2)).status) == 200
        }
        try await server.stop()
    }

    @Test func oldHostlessLongAndTrickledRequestsGetHTTPAnswers() async throws {
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--idle-timeout", "2s"])
        let old = try RawSocket(port: server.port)
        old.send("GET /healthz HTTP/1.0\r\nHost: x\r\n\r\n")
        let oldAnswer = try await old.receive(timeout: .seconds(3))
        #expect(oldAnswer.text.contains("200 OK") && oldAnswer.closed, "HTTP/1.0 without keep-alive closes after the answer")

        let oldHostless = try RawSocket(port: server.port)
        oldHostless.send("GET /healthz HTTP/1.0\r\n\r\n")
        #expect(try await oldHostless.receive(timeout: .seconds(3)).text.contains("200 OK"), "HTTP/1.0 needs no Host (health checkers)")

        let hostless = try RawSocket(port: server.port)
        hostless.send("GET /healthz HTTP/1.1\r\n\r\n")
        #expect(try await hostless.receive(timeout: .seconds(2)).text.hasPrefix("HTTP/1.1 400"))

        let long = try RawSocket(port: server.port)
        long.send("GET /healthz?x=" + String(repeating: "a", count: 70_000) + " HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await long.receive(timeout: .seconds(2)).text.hasPrefix("HTTP/1.1 414"))

        // Not HTTP at all (a TLS hello to the plain port), and a header name with a space: the API's JSON 400, then closed.
        for garbage in ["\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{fc}\u{03}\u{03}\r\n\r\n", "GET /healthz HTTP/1.1\r\nHo st: x\r\n\r\n"] {
            let socket = try RawSocket(port: server.port)
            socket.send(garbage)
            let answer = try await socket.receive(timeout: .seconds(3))
            #expect(answer.text.hasPrefix("HTTP/1.1 400") && answer.closed, "\(answer.text.prefix(200))")
            #expect(answer.text.contains(#"{"error":{"code":"invalid_request","message":"the request is not valid HTTP/1.1: "#), "\(answer.text)")
        }

        let alice = try await server.authToken("alice")
        func stalledBody(_ path: String) -> String {
            "POST \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(alice)\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":"
        }
        // A body shorter than its length, through the router and through the send path: 408 before the idle timeout closes it.
        for path in ["/conversations", "/questions/send"] {
            let stalled = try RawSocket(port: server.port)
            stalled.send(stalledBody(path))
            let answer = try await stalled.receive(timeout: .seconds(5))
            #expect(answer.text.hasPrefix("HTTP/1.1 408") && answer.text.contains("request_timeout"), "\(path): \(answer.text.prefix(80))")
            // A client that leaves part-way through its body: nobody to answer, and not the server's fault.
            let leaving = try RawSocket(port: server.port)
            leaving.send(stalledBody(path))
            try await Task.sleep(for: .milliseconds(200))
            leaving.disconnect()
        }
        // A bad chunk in a body: the API's 400.
        let badChunk = try RawSocket(port: server.port)
        badChunk.send("POST /conversations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(alice)\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
        let badChunkAnswer = try await badChunk.receive(timeout: .seconds(3))
        #expect(badChunkAnswer.text.hasPrefix("HTTP/1.1 400") && badChunkAnswer.text.contains("a chunk's size is not valid"), "\(badChunkAnswer.text)")
        try await Task.sleep(for: .milliseconds(500))
        let metrics = try await HTTP.send(server.baseURL + "/metrics").body
        #expect(!metrics.contains(#"status="500""#), "no request above was the server's fault:\n\(metrics)")
        #expect(!server.stderr.contains("unexpected error"))
        try await server.stop()
    }

    @Test func aLivePollWhoseClientLeavesIsDroppedAtOnce() async throws {
        let server = try await TestServer.start(dataDirectory: dir.path)
        let (_, token, state) = try await ServerAPI(server: server).followedConversation("c-1", user: "alice")

        func waitingPolls() async throws -> Int? {
            let metrics = try await HTTP.send(server.baseURL + "/metrics").body
            let line = metrics.split(separator: "\n").first { $0.contains("shape_live_polls") && !$0.hasPrefix("#") }
            return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }.map { Int($0) }
        }
        let socket = try RawSocket(port: server.port)
        socket.send(
            "GET /shape?offset=\(state.offset)&handle=\(state.handle)&live=true&cursor=\(state.cursor) HTTP/1.1\r\n"
                + "Host: x\r\nAuthorization: Bearer \(token)\r\n\r\n")
        try await eventually("the poll waits", timeout: .seconds(5)) { try await waitingPolls() == 1 }
        let left = ContinuousClock.now
        socket.disconnect()
        try await eventually("the poll is dropped with its client", timeout: .seconds(10)) { try await waitingPolls() == 0 }
        #expect(ContinuousClock.now - left < .seconds(10), "not held for the whole 20 s hold")
        try await server.stop()
    }
}
