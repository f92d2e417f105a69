import Foundation
import PostgresHarness
import QACtlTestSupport
import Testing

/// The server dies after committing a question and before answering: the
/// client never hears back, retries the same request, and must get the
/// original txid with nothing written twice (issue #16, exactly once).
///
/// The kill comes from serve's debug-only `QACTL_TEST_KILL_AFTER_COMMIT`
/// hook (see `CrashAfterCommit`): the only way to hit that moment every time.
@Suite(.serialized) struct LostResponseFaultTests {
    let dir = TemporaryDirectory()

    @Test(arguments: [false, true])
    func aRetryAfterALostResponseGetsTheOriginalTxid(onPostgres: Bool) async throws {
        let lost = "q-lost-response"
        let scene = try await FaultScene.start(
            dataDirectory: dir.path, onPostgres: onPostgres, environment: ["QACTL_TEST_KILL_AFTER_COMMIT": lost])
        defer { scene.finish() }
        let follower = ShapeFollower(api: scene.api, token: scene.shapeToken)
        try await eventually("the follower is live") { follower.current.upToDate }
        let body: [String: Any] = ["conversationId": FaultScene.conversation, "questionId": lost, "answerId": "a-lost-response", "content": "Still there?"]

        let first = try? await scene.api.post("/questions/send", json: body, token: scene.alice)
        #expect(first == nil, "the first attempt should get no answer; it got \(first.map { "\($0.status) \($0.body)" } ?? "")")
        let status = try await scene.server.stop(timeout: .seconds(10))
        #expect(status == SIGKILL, "qactl serve should have killed itself after the commit (exit status \(status))")

        try await scene.server.restart(environment: [:])
        let retry = try await scene.api.post("/questions/send", json: body, token: scene.alice)
        #expect(retry.status == 200, "the retry: \(retry.status) \(retry.body)")
        let txid = try #require(retry.json["txid"] as? Int)
        let again = try await scene.api.post("/questions/send", json: body, token: scene.alice)
        #expect(again.json["txid"] as? Int == txid, "a second retry: \(again.body)")

        var changed = body
        changed["content"] = "Something else"
        let conflict = try await scene.api.post("/questions/send", json: changed, token: scene.alice)
        #expect(conflict.status == 409)
        #expect((conflict.json["error"] as? [String: Any])?["message"] as? String == "question \(lost) was already sent with different content")

        // The transaction that inserted the row is the one the retry names, and the row is there once.
        #expect(try await insertingTxid(of: lost, in: scene) == String(txid))
        try await eventually("the follower saw the question") { follower.current.inserts[lost] != nil }
        #expect(follower.current.inserts[lost] == 1)
        let fresh = try await ShapeFollower.freshSync(api: scene.api, token: scene.shapeToken)
        #expect(fresh[lost] == 1)
        #expect(fresh.count == 1, "only the one question: \(fresh)")
        await follower.stop()
        try await scene.expectAnswersFinish()
        try await scene.expectCleanStop()
    }

    /// Which transaction inserted message `id`, as the store itself records it:
    /// PostgreSQL's `xmin` (questions are never updated), SQLite's change log.
    private func insertingTxid(of id: String, in scene: FaultScene) async throws -> String {
        if scene.postgres != nil {
            return try await blocking { [cluster = scene.cluster] in try cluster.psql("SELECT xmin::text FROM messages WHERE id = '\(id)'") }
        }
        let arguments = [
            "-readonly", dir.path + "/qactl.sqlite",
            "SELECT group_concat(txid) FROM _qactl_changes WHERE tbl = 'messages' AND op = 'insert' AND json_extract(new_row, '$.id') = '\(id)';",
        ]
        let output = try await blocking { try CommandRunner.check("/usr/bin/sqlite3", arguments) }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
