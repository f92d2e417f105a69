import Foundation
import Testing
import QACtlTestSupport

/// Subsets and SSE through a gatekeeper whose upstream is another `qactl serve`
/// (as it would be a real Electric).
@Suite(.serialized) struct ProxySubsetTests {
    let dir = TemporaryDirectory()

    @Test func subsetsAndSSEThroughAnUpstream() async throws {
        let upstream = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "upstream-secret", "--answerer", "none"])
        let gatekeeper = try await ServeProcess.start(
            dataDirectory: dir.path, arguments: ["--electric-url", upstream.baseURL, "--electric-secret", "upstream-secret", "--answerer", "none"])
        let api = ServerAPI(server: gatekeeper)
        let alice = try await api.authToken("alice")
        let token = try await api.conversationWithQuestions("c-1", 3, token: alice)
        let open = [("offset", "now"), ("log", "changes_only")]
        // POST: relayed as a POST whose body holds only the subset.
        let body = #"{"where": "role = $1", "params": {"1": "user"}, "order_by": "created_at DESC", "limit": 2, "table": "conversations"}"#
        let posted = try SubsetAnswer(try await SubsetSnapshotTests.postShape(api, open, body: body, token: token))
        #expect(posted.ids == ["q-3", "q-2"])
        // GET subset parameters go through too.
        let got = try SubsetAnswer(try await api.shape(open + [("subset__where", "id = 'a-1'")], token: token))
        #expect(got.ids == ["a-1"])
        // SSE: events stream through both hops.
        let opened = try await api.shape(open, token: token)
        let handle = try #require(opened.header("electric-handle"))
        let offset = try #require(opened.header("electric-offset"))
        let live = gatekeeper.url("/shape", [("offset", offset), ("handle", handle), ("log", "changes_only"), ("live", "true"), ("live_sse", "true")])
        let stream = try await EventStreamReader(url: live, headers: [("authorization", "Bearer \(token)")])
        #expect(stream.headers["content-type"] == "text/event-stream")
        _ = try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "q-4", "answerId": "a-4", "content": "Through"], token: alice)
        try await stream.wait(for: "the event through the proxy") { reader in
            reader.events.contains { ($0["value"] as? [String: Any])?["id"] as? String == "q-4" }
        }
        stream.close()
        try await gatekeeper.stop()
        try await upstream.stop()
    }
}
