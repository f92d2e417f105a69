import Foundation
import PostgresHarness
import Testing
import QACtlTestSupport

/// `qactl serve --database-url postgres://…` on a real, throwaway PostgreSQL.
@Suite(.serialized) struct PostgresServeTests {
    /// One cluster for the suite (initdb costs seconds); a database per test.
    static let cluster = Result { try PostgresCluster.start(.init(settings: ["max_replication_slots": "20", "max_wal_senders": "20"])) }

    let dir = TemporaryDirectory()

    func database() async throws -> (PostgresCluster, String, String) {
        // Off the cooperative pool: the first caller runs initdb, the others wait for it.
        let cluster = try await blocking { try Self.cluster.get() }
        let name = "serve_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(10)
        let url = try await blocking { try cluster.createDatabase(String(name)) }
        return (cluster, url + "?sslmode=disable", String(name))
    }

    func serve(_ url: String) async throws -> ServeProcess {
        try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret", "--database-url", url])
    }

    /// A conversation of alice's and a followed messages shape on it.
    func conversation(_ server: ServeProcess) async throws -> (ServerAPI, String, String, ServerAPI.Follow) {
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        try await api.conversation("c-1", token: alice)
        let token = try #require(try await api.shapeToken(table: "messages", params: ["conversationId": "c-1"], token: alice).1)
        var follow = ServerAPI.Follow()
        try await api.catchUp(&follow, token: token)
        return (api, alice, token, follow)
    }

    @Test func onDemandSubsetsWithSnapshotBoundsFromPostgres() async throws {
        let (_, url, _) = try await database()
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--database-url", url, "--answerer", "none"])
        try await SubsetSnapshotTests.onDemandSequence(server)
        try await server.stop()
    }

    @Test func theSeedFlowWithTxidsFromTheWAL() async throws {
        let (_, url, _) = try await database()
        let server = try await serve(url)
        // The banner's lines arrive after "listening on", which start() waits for.
        try await eventually("the banner names the store") { server.stdout.contains("(PostgreSQL, logical replication)") }
        let (api, alice, token, follow) = try await conversation(server)
        let live = Task { [follow] in
            var copy = follow
            return try await api.follow(&copy, token: token, live: true)
        }
        try await Task.sleep(for: .milliseconds(200))
        let sent = try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "q-1", "answerId": "a-1", "content": "How do I mint a shape token?"], token: alice)
        let txid = try #require(sent.json["txid"] as? Int)
        let answer = try await live.value
        let inserts = answer.changes.filter { ($0["headers"] as? [String: Any])?["operation"] as? String == "insert" }
        #expect(inserts.count == 2)
        #expect(inserts.allSatisfy { ($0["headers"] as? [String: Any])?["txids"] as? [Int] == [txid] })
        let values = inserts.compactMap { $0["value"] as? [String: String] }
        // PostgreSQL's own text form: UTC, ISO, trailing zeros of the fraction dropped.
        #expect(values.allSatisfy { ($0["created_at"] ?? "").range(of: #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?\+00$"#, options: .regularExpression) != nil })

        // The builtin answer is written to PostgreSQL and comes back through replication.
        var state = follow
        _ = try await api.follow(&state, token: token)
        let deadline = ContinuousClock.now + .seconds(20)
        var completed = false
        while !completed && ContinuousClock.now < deadline {
            _ = try await api.follow(&state, token: token, live: true)
            completed = state.messages.contains { ($0["value"] as? [String: String])?["status"] == "completed" && ($0["value"] as? [String: String])?["id"] == "a-1" }
        }
        #expect(completed)
        #expect(try await HTTP.send(server.baseURL + "/healthz").status == 200)
        try await server.stop()
    }

    @Test func psqlWritesReachALiveShapeWithTheirXids() async throws {
        let (cluster, url, name) = try await database()
        let server = try await serve(url)
        var (api, _, token, follow) = try await conversation(server)
        let statements = [
            ("insert", "INSERT INTO messages VALUES ('m-1', 'c-1', 'alice', 'user', 'completed', 'from psql', now(), now())"),
            ("update", "UPDATE messages SET content = 'edited' WHERE id = 'm-1'"),
            ("delete", "DELETE FROM messages WHERE id = 'm-1'"),
        ]
        for (operation, statement) in statements {
            let xid = try await blocking { try cluster.psql("BEGIN; \(statement); SELECT pg_current_xact_id()::xid::text; COMMIT;", database: name) }
            let seen = follow.messages.count
            _ = try await api.follow(&follow, token: token, live: true)
            let change = try #require(follow.messages[seen...].first)
            let headers = try #require(change["headers"] as? [String: Any])
            #expect(headers["operation"] as? String == operation)
            #expect(headers["txids"] as? [Int] == [Int(xid.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1])
        }
        try await server.stop()
    }

    /// The feed log commits without waiting for the disk; the slot is confirmed
    /// once a periodic sync made what it stored durable — within seconds, so
    /// PostgreSQL can recycle the WAL behind it.
    @Test func theSlotIsConfirmedPastEveryStoredChangeWithinSeconds() async throws {
        let (cluster, url, name) = try await database()
        let server = try await serve(url)
        var (api, _, token, follow) = try await conversation(server)
        let written = try await blocking {
            // A position inside the transaction: confirming past it confirms the transaction.
            try cluster.psql("BEGIN; INSERT INTO messages VALUES ('m-slot', 'c-1', 'alice', 'user', 'completed', 'x', now(), now()); SELECT pg_current_wal_insert_lsn(); COMMIT;", database: name)
        }.trimmingCharacters(in: .whitespacesAndNewlines)
        for _ in 0..<10 where !follow.messages.contains(where: { ($0["key"] as? String)?.contains("m-slot") == true }) {
            _ = try await api.follow(&follow, token: token, live: true)
        }
        let confirmed = {
            try await blocking {
                try cluster.psql("SELECT bool_and(confirmed_flush_lsn > '\(written)'::pg_lsn) FROM pg_replication_slots WHERE database = '\(name)'", database: name)
            }.trimmingCharacters(in: .whitespacesAndNewlines) == "t"
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, try await !confirmed() { try await Task.sleep(for: .milliseconds(200)) }
        #expect(try await confirmed(), "the slot is confirmed past \(written)")
        try await server.stop()
    }

    @Test func aKilledReplicationConnectionAndARestartLoseNothing() async throws {
        let (cluster, url, name) = try await database()
        var server = try await serve(url)
        var (api, _, token, follow) = try await conversation(server)

        // The walsender is killed; the feed reconnects from its confirmed position.
        _ = try await blocking { try cluster.psql("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = '\(name)' AND active_pid IS NOT NULL", database: name) }
        _ = try await blocking { try cluster.psql("INSERT INTO messages VALUES ('after-kill', 'c-1', 'alice', 'user', 'completed', 'x', now(), now())", database: name) }
        for _ in 0..<10 where !follow.messages.contains(where: { ($0["key"] as? String)?.contains("after-kill") == true }) {
            _ = try await api.follow(&follow, token: token, live: true)
        }
        #expect(follow.messages.filter { ($0["key"] as? String)?.contains("after-kill") == true }.count == 1)

        // Written while the server is down: delivered once after the restart.
        try await server.stop()
        _ = try await blocking { try cluster.psql("INSERT INTO messages VALUES ('while-down', 'c-1', 'alice', 'user', 'completed', 'x', now(), now())", database: name) }
        server = try await serve(url)
        api = ServerAPI(server: server)
        let handle = follow.handle
        for _ in 0..<10 where !follow.messages.contains(where: { ($0["key"] as? String)?.contains("while-down") == true }) {
            let answer = try await api.follow(&follow, token: token, live: true)
            #expect(answer.status == 200)
        }
        #expect(follow.handle == handle)
        let keys = follow.messages.compactMap { $0["key"] as? String }
        #expect(keys.filter { $0.contains("while-down") }.count == 1)
        #expect(keys.count == Set(keys).count, "no change delivered twice: \(keys)")
        try await server.stop()
    }

    @Test func aThousandRowTransactionArrivesWholeAndTruncateForcesARefetch() async throws {
        let (cluster, url, name) = try await database()
        let server = try await serve(url)
        var (api, _, token, follow) = try await conversation(server)
        _ = try await blocking {
            try cluster.psql("INSERT INTO messages SELECT 'bulk-' || i, 'c-1', 'alice', 'user', 'completed', 'row ' || i, now(), now() FROM generate_series(1, 1000) AS i", database: name)
        }
        let answer = try await api.follow(&follow, token: token, live: true)
        #expect(answer.changes.count == 1000)
        #expect(Set(answer.changes.compactMap { ($0["headers"] as? [String: Any])?["txids"] as? [Int] }.map { $0.first ?? 0 }).count == 1)
        #expect(answer.changes.last.flatMap { ($0["headers"] as? [String: Any])?["last"] as? Bool } == true)
        #expect(answer.header("electric-up-to-date") == "")

        _ = try await blocking { try cluster.psql("TRUNCATE messages", database: name) }
        var status = 200
        for _ in 0..<10 where status == 200 {
            status = try await api.follow(&follow, token: token, live: true).status
        }
        #expect(status == 409)
        try await server.stop()
    }

    @Test func writesAreIdempotentAndRefusedTheSameWayAsOnSQLite() async throws {
        let (_, url, _) = try await database()
        let server = try await serve(url)
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        let bob = try await api.authToken("bob")
        let first = try await api.post("/conversations", json: ["id": "c-1", "title": "T"], token: alice)
        let again = try await api.post("/conversations", json: ["id": "c-1", "title": "T"], token: alice)
        #expect(first.status == 201 && again.status == 201)
        #expect(first.json["txid"] as? Int == again.json["txid"] as? Int)
        #expect(try await api.post("/conversations", json: ["id": "c-1", "title": "T"], token: bob).status == 409)
        let question: [String: Any] = ["conversationId": "c-1", "questionId": "q-1", "answerId": "a-1", "content": "Why?"]
        let sent = try await api.post("/questions/send", json: question, token: alice)
        let repeated = try await api.post("/questions/send", json: question, token: alice)
        #expect(sent.status == 200 && repeated.status == 200)
        #expect(sent.json["txid"] as? Int == repeated.json["txid"] as? Int)
        var changed = question
        changed["content"] = "Why not?"
        #expect(try await api.post("/questions/send", json: changed, token: alice).status == 409)
        #expect(try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "q-2", "answerId": "a-2", "content": "x"], token: bob).status == 403)
        #expect(try await api.shapeToken(table: "messages", params: ["conversationId": "c-1"], token: bob).0.status == 403)
        // A duplicate in flight is a repeat; the same id with another title a conflict.
        let statuses = try await api.sendAtOnce(
            #"{"conversationId":"c-1","questionId":"q-dup","answerId":"a-dup","content":"Twice?"}"#, times: 8, token: alice)
        #expect(statuses.allSatisfy { $0.0 == 200 }, "\(statuses)")
        #expect(Set(statuses.compactMap(\.1)).count == 1)
        #expect(try await api.post("/conversations", json: ["id": "c-1", "title": "Other"], token: alice).status == 409)
        // Concurrent sends to one conversation neither deadlock nor fail.
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<16 {
                group.addTask {
                    try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "p-\(index)", "answerId": "pa-\(index)", "content": "parallel"], token: alice).status
                }
            }
            for try await status in group { #expect(status == 200) }
        }
        try await server.stop()
    }

    /// A send whose statement could not be prepared (the function briefly gone,
    /// as during a restore) fails alone: once the function is back, sends on the
    /// same pooled connections go through again.
    @Test func aSendThatCouldNotBePreparedDoesNotRefuseLaterSends() async throws {
        let (cluster, url, name) = try await database()
        let server = try await serve(url)
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        try await api.conversation("c-1", token: alice)
        _ = try await blocking { try cluster.psql("ALTER FUNCTION qactl_send_question RENAME TO qactl_send_question_away", database: name) }
        let refused = try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "q-0", "answerId": "a-0", "content": "Gone?"], token: alice)
        #expect(refused.status >= 500, "\(refused.body)")
        _ = try await blocking { try cluster.psql("ALTER FUNCTION qactl_send_question_away RENAME TO qactl_send_question", database: name) }
        for index in 1...4 {
            let sent = try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "q-\(index)", "answerId": "a-\(index)", "content": "Back?"], token: alice)
            #expect(sent.status == 200, "\(sent.body)")
        }
        try await server.stop()
    }

    @Test func startUpChecksExplainWhatToFix() async throws {
        let replica = try await blocking { try PostgresCluster.start(.init(walLevel: "replica")) }
        defer { try? replica.stop() }
        let arguments = ["serve", "--listen", "127.0.0.1:0", "--data-dir", dir.path, "--database-url", replica.url + "?sslmode=disable"]
        let run = try await blocking { try CommandRunner.run(ServeProcess.executable, arguments, timeout: .seconds(60)) }
        let output = run.stderr
        #expect(run.status == 1)
        #expect(output.contains("wal_level is 'replica'; set wal_level = logical"))
        #expect(output.split(separator: "\n").count <= 3, "a clear message, not a trace: \(output)")
    }
}
