import Foundation
import PostgresHarness
import QACtlTestSupport
import Testing

/// `POST /questions/send` is answered outside the router once its auth token
/// has been verified (``QuestionSends`` on the server). A client must not be
/// able to tell: every answer matches the router's, byte for byte apart from
/// the request id and date, whatever the request is, on one keep-alive
/// connection, pipelined or trickled.
@Suite(.serialized) struct SendPathTests {
    let dir = TemporaryDirectory()

    @Test func aSendSaysTheSameWhetherOrNotTheRouterAnswersIt() async throws {
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--answerer", "none", "--idle-timeout", "3s"])
        let api = ServerAPI(server: server)
        // Tokens minted with different lifetimes differ, so each one's first use is its first check.
        let alice = try await mint("alice", ttl: "1h")
        let aliceAgain = try await mint("alice", ttl: "2h")
        let aliceRepeating = try await mint("alice", ttl: "3h")
        let bob = try await mint("bob", ttl: "1h")
        try await api.conversation("c-1", token: try await server.authToken("alice"))

        let socket = try RawSocket(port: server.port)
        func exchange(_ token: String, _ body: String, origin: String? = nil) async throws -> Reply {
            socket.send(Self.send(token, body, origin: origin))
            return try await Self.replies(1, from: socket)[0]
        }
        let question = #"{"conversationId":"c-1","questionId":"q-1","answerId":"a-1","content":"What is a shape?"}"#
        // The first use of each token is the router's; each repeat is the direct path's.
        let created = try await exchange(alice, question, origin: "http://app.example")
        let repeatedByRouter = try await exchange(aliceRepeating, question, origin: "http://app.example")
        let repeatedDirect = try await exchange(alice, question, origin: "http://app.example")
        #expect(created.status == 200 && created.json["success"] as? Bool == true)
        #expect(repeatedByRouter.json["txid"] as? Int == created.json["txid"] as? Int, "a repeat answers with the first txid")
        #expect(repeatedDirect.comparable == repeatedByRouter.comparable)
        #expect(created.headers["access-control-allow-origin"] == "http://app.example" && created.headers["cache-control"] == "no-store")

        let conflicting = #"{"conversationId":"c-1","questionId":"q-1","answerId":"a-1","content":"Something else"}"#
        let conflictByRouter = try await exchange(aliceAgain, conflicting)
        let conflictDirect = try await exchange(alice, conflicting)
        #expect(conflictByRouter.status == 409)
        #expect(conflictDirect.comparable == conflictByRouter.comparable)

        let intruding = #"{"conversationId":"c-1","questionId":"q-2","answerId":"a-2","content":"Let me in"}"#
        let forbiddenByRouter = try await exchange(bob, intruding)
        let forbiddenDirect = try await exchange(bob, intruding)
        #expect(forbiddenByRouter.status == 403)
        #expect(forbiddenDirect.comparable == forbiddenByRouter.comparable)

        // Bodies the direct path does not read go to the router, with a known token too.
        let notAnObject = try await exchange(alice, "[1, 2]")
        #expect(notAnObject.status == 400 && notAnObject.body.contains("the request body is not a JSON object"))
        let numberContent = try await exchange(alice, #"{"conversationId":"c-1","questionId":"q-3","answerId":"a-3","content":42}"#)
        #expect(numberContent.status == 400 && numberContent.body.contains("content must be a string"))
        let badID = try await exchange(alice, #"{"conversationId":"c-1","questionId":"q 4","answerId":"a-4","content":"Hi"}"#)
        #expect(badID.status == 400 && badID.body.contains("questionId must be 1 to 64 characters"))

        // Pipelined sends are answered in order, each with its own txid.
        socket.send((5...7).map { Self.send(alice, #"{"conversationId":"c-1","questionId":"q-\#($0)","answerId":"a-\#($0)","content":"Question \#($0)"}"#) }.joined())
        let pipelined = try await Self.replies(3, from: socket)
        #expect(pipelined.map(\.status) == [200, 200, 200])
        let txids = pipelined.compactMap { $0.json["txid"] as? Int }
        #expect(txids.count == 3 && txids == txids.sorted() && Set(txids).count == 3, "\(txids)")

        // Nothing refused was written: the first send's two rows, and the three pipelined sends'.
        let shapeToken = try #require(try await api.shapeToken(table: "messages", params: ["conversationId": "c-1"], token: alice).1)
        var follow = ServerAPI.Follow()
        try await api.catchUp(&follow, token: shapeToken)
        let ids = Set(follow.messages.compactMap { ($0["value"] as? [String: Any])?["id"] as? String })
        #expect(ids == ["q-1", "a-1", "q-5", "a-5", "q-6", "a-6", "q-7", "a-7"], "\(ids.sorted())")

        // A body that stops arriving: 408 (just before the idle timeout would close it unanswered), then closed.
        let trickle = try RawSocket(port: server.port)
        trickle.send("POST /questions/send HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(alice)\r\nContent-Length: 90\r\n\r\n{\"conversationId\":")
        let trickled = try await trickle.receive(timeout: .seconds(10))
        #expect(trickled.closed, "\(trickled.text.prefix(80))")
        #expect(trickled.text.hasPrefix("HTTP/1.1 408") && trickled.text.contains("did not arrive within 3 s"), "\(trickled.text.prefix(80))")
        // An oversized body is the router's 413.
        let large = try RawSocket(port: server.port)
        large.send("POST /questions/send HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(alice)\r\nContent-Length: 70000\r\n\r\n" + String(repeating: " ", count: 70000))
        #expect(try await large.receive(timeout: .seconds(5)).text.hasPrefix("HTTP/1.1 413"))
        try await server.stop()
    }

    // MARK: - Helpers

    private func mint(_ user: String, ttl: String) async throws -> String {
        try await blocking {
            let minted = try CommandRunner.check(
                TestServer.executable, ["token", "mint", "auth", "--sub", user, "--ttl", ttl, "--data-dir", dir.path])
            return minted.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    private static func send(_ token: String, _ body: String, origin: String? = nil) -> String {
        "POST /questions/send HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\n"
            + (origin.map { "Origin: \($0)\r\n" } ?? "") + "Content-Length: \(body.utf8.count)\r\n\r\n" + body
    }

    /// One HTTP answer as read off the socket.
    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: String

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:] }

        /// Everything but what differs by request: its id and the date.
        var comparable: String {
            let fields = headers.filter { $0.key != "x-request-id" && $0.key != "date" }.sorted { $0.key < $1.key }
            return "\(status)\n" + fields.map { "\($0.key): \($0.value)" }.joined(separator: "\n") + "\n\n" + body
        }
    }

    /// The next `count` answers on `socket`, read until their bodies are whole.
    private static func replies(_ count: Int, from socket: RawSocket) async throws -> [Reply] {
        var received = ""
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let parsed = parse(received, count: count) { return parsed }
            let read = try await socket.receive(timeout: .milliseconds(200))
            received += read.text
            if read.closed { break }
        }
        throw TestFailure("\(count) answers did not arrive; got: \(received.prefix(400))")
    }

    private static func parse(_ text: String, count: Int) -> [Reply]? {
        var rest = Substring(text)
        var replies: [Reply] = []
        while replies.count < count {
            guard let end = rest.range(of: "\r\n\r\n") else { return nil }
            let lines = rest[..<end.lowerBound].components(separatedBy: "\r\n")
            guard let status = lines.first?.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = headers["content-length"].flatMap { Int($0) } ?? 0
            let bodyBytes = rest[end.upperBound...].utf8
            guard bodyBytes.count >= length else { return nil }
            let bodyEnd = bodyBytes.index(bodyBytes.startIndex, offsetBy: length)
            replies.append(Reply(status: status, headers: headers, body: String(Substring(bodyBytes[..<bodyEnd]))))
            rest = Substring(bodyBytes[bodyEnd...])
        }
        return replies
    }
}
