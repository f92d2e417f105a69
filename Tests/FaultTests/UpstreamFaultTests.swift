import Foundation
import QACtlTestSupport
import Testing

/// The gatekeeper in front of an upstream Electric that hangs, resets or
/// answers garbage: clients get a clear 5xx in bounded time, the rest of the
/// API keeps working, and SIGTERM still ends the server.
@Suite(.serialized) struct UpstreamFaultTests {
    let dir = TemporaryDirectory()

    @Test(arguments: BrokenUpstream.Behaviour.allCases)
    func aBrokenUpstreamIsAClear5xx(behaviour: BrokenUpstream.Behaviour) async throws {
        let upstream = try BrokenUpstream(behaviour)
        defer { upstream.stop() }
        let server = try await TestServer.start(
            dataDirectory: dir.path, arguments: ["--electric-url", upstream.url, "--long-poll-timeout", "1s"])
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        try await api.conversation("c-1", token: alice)
        let token = try #require(try await api.shapeToken(table: "messages", params: ["conversationId": "c-1"], token: alice).1)

        let start = ContinuousClock.now
        let answer = try await api.shape([("offset", "-1")], token: token)
        #expect([502, 503, 504].contains(answer.status), "\(answer.status) \(answer.body)")
        #expect(answer.json["error"] != nil, "a JSON error body: \(answer.body)")
        #expect(ContinuousClock.now - start < .seconds(30), "answered in bounded time")
        if behaviour == .internalError {
            // The gatekeeper's own 502: the upstream's internals stay in the server's log.
            #expect(answer.status == 502 && answer.headers["cache-control"] == "no-store", "\(answer.status) \(answer.headers)")
            #expect(!answer.body.contains("Postgrex"), "\(answer.body)")
            #expect(server.stderr.contains("Postgrex"), "the upstream's answer is logged for the operator")
        }

        // Writes do not depend on the upstream.
        let sent = try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "q-1", "answerId": "a-1", "content": "hi"], token: alice)
        #expect(sent.status == 200)
        let stopStart = ContinuousClock.now
        #expect(try await server.stop() == 0)
        #expect(ContinuousClock.now - stopStart < .seconds(15))
    }
}
