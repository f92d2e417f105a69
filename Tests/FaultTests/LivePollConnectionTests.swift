import Foundation
import QACtlTestSupport
import Testing

/// Live long-polls are parked outside the router (no task per parked poll).
/// On the wire nothing may differ: the connection's idle timeout does not cut
/// a parked poll, answers leave in request order on a pipelining connection,
/// refusals are the router's, the request is counted and logged, and a
/// shutdown answers the poll before it closes the connection.
@Suite(.serialized) struct LivePollConnectionTests {
    let dir = TemporaryDirectory()

    /// One answer read off a raw connection.
    struct RawAnswer {
        let status: Int
        let headers: [String: String]
        let body: String
    }

    /// Splits what a connection received into answers (bodies by content-length).
    static func answers(in text: String) -> [RawAnswer] {
        var rest = Substring(text)
        var found: [RawAnswer] = []
        while let end = rest.range(of: "\r\n\r\n") {
            let lines = rest[..<end.lowerBound].components(separatedBy: "\r\n")
            guard let status = lines.first?.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { break }
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            let bodyBytes = rest[end.upperBound...].utf8.prefix(length)
            guard bodyBytes.count == length else { break }
            found.append(RawAnswer(status: status, headers: headers, body: String(decoding: bodyBytes, as: UTF8.self)))
            rest = Substring(String(decoding: rest[end.upperBound...].utf8.dropFirst(length), as: UTF8.self))
        }
        return found
    }

    /// Reads until `count` whole answers arrived (or `timeout`), on a thread of
    /// its own: a blocking read on the cooperative pool would stall every test
    /// running alongside for as long as it waits.
    static func read(_ count: Int, from socket: RawSocket, timeout: Duration) async throws -> (answers: [RawAnswer], closed: Bool) {
        try await blocking {
            var text = ""
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                let (more, closed) = socket.read(timeout: .milliseconds(200))
                text += more
                if closed || answers(in: text).count >= count { return (answers(in: text), closed) }
            }
            return (answers(in: text), false)
        }
    }

    static func livePoll(_ state: ServerAPI.Follow, token: String) -> String {
        "GET /shape?offset=\(state.offset)&handle=\(state.handle)&live=true&cursor=\(state.cursor) HTTP/1.1\r\n"
            + "Host: x\r\nAuthorization: Bearer \(token)\r\n\r\n"
    }

    @Test func aParkedPollOutlivesTheIdleTimeoutAndAnswersInOrderOnItsConnection() async throws {
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--idle-timeout", "2s", "--long-poll-timeout", "5s"])
        let api = ServerAPI(server: server)
        let (alice, token, state) = try await api.followedConversation("c-1", user: "alice")

        // Parked for the whole 5 s hold, past the 2 s idle timeout: answered, and the connection stays.
        let socket = try RawSocket(port: server.port)
        let started = ContinuousClock.now
        socket.send(Self.livePoll(state, token: token))
        let quiet = try await Self.read(1, from: socket, timeout: .seconds(10))
        let timedOut = try #require(quiet.answers.first, "the parked poll is answered, not cut off by the idle timeout")
        #expect(!quiet.closed)
        #expect(ContinuousClock.now - started >= .seconds(4), "held for the poll timeout")
        #expect(timedOut.status == 200 && timedOut.headers["electric-up-to-date"] != nil)
        #expect(timedOut.headers["x-request-id"]?.isEmpty == false && timedOut.headers["server"] == "qactl" && timedOut.headers["date"] != nil)
        #expect(timedOut.headers["vary"]?.contains("authorization") == true, "the gatekeeper's headers")

        // A poll with twelve requests pipelined behind it (more than it holds before it stops
        // reading): the poll's answer (the new message) comes first, then the twelve, in order.
        socket.send(Self.livePoll(state, token: token) + String(repeating: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", count: 12))
        try await Task.sleep(for: .milliseconds(300))
        let sent = try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "q-1", "answerId": "a-1", "content": "hi"], token: alice)
        #expect(sent.status == 200)
        let all = try await Self.read(13, from: socket, timeout: .seconds(10))
        try #require(all.answers.count == 13, "thirteen answers: \(all.answers.map(\.status))")
        #expect(all.answers[0].status == 200 && all.answers[0].body.contains("\"q-1\""), "the poll's answer first, with the message")
        #expect(all.answers.dropFirst().allSatisfy { $0.status == 200 && $0.body.contains("ok") }, "then the pipelined requests'")

        // The poll was counted under its route, as the router counts requests.
        let metrics = try await HTTP.send(server.baseURL + "/metrics").body
        #expect(metrics.split(separator: "\n").contains { $0.contains("route=\"/shape\"") && $0.contains("status=\"200\"") && !$0.hasPrefix("#") })
        try await server.stop()
    }

    @Test func refusalsAreTheRoutersAndAShutdownAnswersAParkedPoll() async throws {
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--long-poll-timeout", "20s"])
        let api = ServerAPI(server: server)
        let (alice, token, state) = try await api.followedConversation("c-1", user: "alice")

        // A forged token on a live poll: the router's 401, then the connection serves on.
        let socket = try RawSocket(port: server.port)
        socket.send(Self.livePoll(state, token: token + "x") + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let refused = try await Self.read(2, from: socket, timeout: .seconds(5))
        try #require(refused.answers.count == 2, "two answers: \(refused.answers.map(\.status))")
        #expect(refused.answers[0].status == 401 && refused.answers[0].body.contains("unauthorized"))
        #expect(refused.answers[1].status == 200)
        // An auth token is not a shape token.
        socket.send(Self.livePoll(state, token: alice))
        let notAShapeToken = try await Self.read(1, from: socket, timeout: .seconds(5))
        #expect(notAShapeToken.answers.first?.status == 401)

        // A client that half-closes after its poll still gets the poll's answer, then the close.
        let halfClosed = try RawSocket(port: server.port)
        halfClosed.send(Self.livePoll(state, token: token))
        try await Task.sleep(for: .milliseconds(300))
        halfClosed.closeWrite()
        let last = try await Self.read(1, from: halfClosed, timeout: .seconds(10))
        #expect(last.answers.first?.status == 200 && last.answers.count == 1, "\(last.answers.map(\.status))")
        let afterwards = try await Self.read(1, from: halfClosed, timeout: .seconds(5))
        #expect(afterwards.closed || last.closed)

        // Garbage pipelined behind a parked poll: the poll's answer first, then the 400.
        let garbled = try RawSocket(port: server.port)
        garbled.send(Self.livePoll(state, token: token) + "NOT HTTP AT ALL\r\n\r\n")
        try await Task.sleep(for: .milliseconds(300))
        let sent = try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "q-9", "answerId": "a-9", "content": "hi"], token: alice)
        #expect(sent.status == 200)
        let both = try await Self.read(2, from: garbled, timeout: .seconds(10))
        #expect(both.answers.map(\.status) == [200, 400], "\(both.answers.map(\.status))")
        #expect(both.answers.first?.body.contains("\"q-9\"") == true)

        // A parked poll when the server is told to stop: answered, then the connection closes.
        socket.send(Self.livePoll(state, token: token))
        try await Task.sleep(for: .milliseconds(300))
        let stopping = Task { try await server.stop() }
        let final = try await Self.read(1, from: socket, timeout: .seconds(15))
        #expect(final.answers.first?.status == 200, "answered before the server goes: \(final.answers.map(\.status))")
        #expect(try await stopping.value == 0)
    }
}
