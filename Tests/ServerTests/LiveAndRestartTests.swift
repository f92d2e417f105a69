import Foundation
import PostgresHarness
import Testing
import QACtlTestSupport

/// Long-polls, shutdown, restarts and writers outside qactl, against a running `qactl serve`.
@Suite(.serialized) struct LiveAndRestartTests {
    let dir = TemporaryDirectory()
    let shape = [("table", "conversations"), ("where", "user_id = $1"), ("params[1]", "alice")]

    @Test func aLivePollWithNothingNewAnswers200UpToDateAfterTheHold() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret", "--long-poll-timeout", "1s"])
        let client = ShapeClient(server: server)
        var subscription = try await client.subscribe(shape)
        let offset = subscription.offset
        let started = ContinuousClock.now
        let answer = try await client.poll(&subscription, live: true)
        let waited = ContinuousClock.now - started
        #expect(answer.status == 200)
        #expect(waited >= .milliseconds(900))
        #expect(answer.controls == ["up-to-date"])
        #expect(answer.header("electric-has-data") == "false")
        #expect(answer.header("electric-up-to-date") == "")
        #expect(answer.header("electric-offset") == offset)
        let cursor = try #require(answer.header("electric-cursor").flatMap { UInt64($0) })
        // The cursor always moves past the one the client sent.
        let next = try await client.poll(&subscription, live: true)
        #expect(UInt64(next.header("electric-cursor") ?? "") ?? 0 > cursor)
        try await server.stop()
    }

    @Test func shutdownAnswersWaitingPollsAndExitsCleanly() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let client = ShapeClient(server: server)
        let subscription = try await client.subscribe(shape)
        let live = client.livePoll(subscription)
        // Parked at the server (a poll arriving after shutdown began is told 503, retry).
        try await eventually("the poll is parked") {
            try await HTTP.send(server.baseURL + "/metrics").body.contains("qactl_shape_live_polls 1")
        }
        let started = ContinuousClock.now
        let status = try await server.stop(signal: SIGTERM)
        let (answer, _) = try await live.value
        #expect(status == 0)
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(answer.status == 200)
        #expect(answer.controls == ["up-to-date"])
    }

    @Test func aClientContinuesAcrossARestartWithoutMissingOrRepeatingChanges() async throws {
        var server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        var data = try TestData(server: server)
        try await data.conversation("c-1", user: "alice")
        var client = ShapeClient(server: server)
        var subscription = try await client.subscribe(shape)
        try await data.conversation("c-2", user: "alice")
        try await client.poll(&subscription, live: true)
        let handle = subscription.handle
        try await server.stop()

        // Written while the server is down.
        try await data.conversation("c-3", user: "alice")
        try await data.execute("UPDATE conversations SET title = 'while down' WHERE id = 'c-1'")

        server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        data = try TestData(server: server)
        client = ShapeClient(server: server)
        var answer = try await client.poll(&subscription, live: false)
        #expect(answer.status == 200)
        #expect(subscription.handle == handle)
        #expect(answer.changes.map { ($0["headers"] as! [String: Any])["operation"] as! String } == ["insert", "update"])
        try await data.conversation("c-4", user: "alice")
        answer = try await client.poll(&subscription, live: true)
        #expect(answer.changes.map { $0["key"] as! String } == ["\"public\".\"conversations\"/\"c-4\""])
        // No change was delivered twice: each (lsn, op_position) appears once.
        let positions = subscription.operations.map { message -> String in
            let headers = message["headers"] as! [String: Any]
            return "\(headers["lsn"] ?? "")_\(headers["op_position"] ?? "")"
        }
        #expect(positions.count == Set(positions).count)
        #expect(subscription.operations.count == 5)
        #expect(subscription.rows.count == 4)
        #expect(subscription.rows["\"public\".\"conversations\"/\"c-1\""]?["title"] as? String == "while down")
        // A fresh client sees the same rows.
        let fresh = try await client.subscribe(shape)
        #expect(Set(fresh.rows.keys) == Set(subscription.rows.keys))
        try await server.stop()
    }

    /// Runs `sql` with the `sqlite3` shell on the server's database, a writer outside qactl.
    private func shell(_ sql: String) async throws {
        let run = try await blocking { [dir] in try CommandRunner.run("/usr/bin/sqlite3", [dir.path + "/qactl.sqlite", sql]) }
        #expect(run.status == 0, "sqlite3 failed on: \(sql): \(run.stderr)")
    }

    private static func insertConversation(_ id: String) -> String {
        "INSERT INTO conversations(id, user_id, title, created_at, updated_at) VALUES ('\(id)', 'alice', 'Shell', '2026-11-29 10:00:00.000000+00', '2026-11-29 10:00:00.000000+00');"
    }

    @Test func aRowWrittenWithTheSqlite3ShellReachesALiveSubscriber() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let client = ShapeClient(server: server)
        var subscription = try await client.subscribe(shape)
        let live = client.livePoll(subscription)
        try await Task.sleep(for: .milliseconds(200))
        try await shell(Self.insertConversation("from-shell"))
        let (answer, after) = try await live.value
        subscription = after
        let change = try #require(answer.changes.first)
        #expect(change["key"] as? String == "\"public\".\"conversations\"/\"from-shell\"")
        let headers = change["headers"] as! [String: Any]
        #expect((headers["txids"] as? [Int])?.count == 1)
        #expect(headers["last"] as? Bool == true)

        // A second shell transaction gets a txid of its own.
        try await Task.sleep(for: .milliseconds(300))
        try await shell("UPDATE conversations SET title = 'Shell 2' WHERE id = 'from-shell';")
        let update = try await client.poll(&subscription, live: true)
        let updateTxids = ((update.changes.first?["headers"] as? [String: Any])?["txids"] as? [Int]) ?? []
        #expect(updateTxids != (headers["txids"] as? [Int]))
        try await server.stop()
    }

    /// The server's own commits reach the feed from memory; a shell's commit in
    /// between (or after) must still be read from the file, in commit order.
    @Test func serverAndShellWritesInterleavedAllReachALiveSubscriber() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let api = ServerAPI(server: server)
        let token = try await api.authToken("alice")
        let client = ShapeClient(server: server)
        var subscription = try await client.subscribe(shape)
        var expected: [String] = []
        for round in 1...4 {
            expected.append(try await api.conversation("api-\(round)", token: token))
            try await shell(Self.insertConversation("shell-\(round)"))
            expected.append("shell-\(round)")
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while subscription.rows.count < expected.count && ContinuousClock.now < deadline {
            try await client.poll(&subscription, live: true)
        }
        let inserted = subscription.operations.compactMap { message -> String? in
            guard (message["headers"] as? [String: Any])?["operation"] as? String == "insert" else { return nil }
            return (message["value"] as? [String: Any])?["id"] as? String
        }
        #expect(inserted == expected)
        try await server.stop()
    }

    @Test func offsetNowAndChangesOnlySkipHistory() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let data = try TestData(server: server)
        try await data.conversation("c-1", user: "alice")
        let client = ShapeClient(server: server)
        let now = try await client.get(shape + [("offset", "now")])
        #expect(now.status == 200)
        #expect(now.controls == ["up-to-date"])
        #expect(now.header("electric-has-data") == "false")
        #expect(now.header("electric-schema") != nil)

        var changesOnly = try await client.subscribe(shape + [("log", "changes_only")])
        #expect(changesOnly.rows.isEmpty)
        try await data.conversation("c-2", user: "alice")
        try await client.poll(&changesOnly, live: true)
        #expect(Array(changesOnly.rows.keys) == ["\"public\".\"conversations\"/\"c-2\""])
        try await server.stop()
    }

    @Test func largeSnapshotsAndLogsComeInChunks() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret", "--shape-chunk-bytes", "2000"])
        let data = try TestData(server: server)
        try await data.store.transaction { db, _ in
            for index in 0..<60 {
                try db.execute(
                    sql: "INSERT INTO conversations(id, user_id, title, created_at, updated_at) VALUES (?, 'alice', 'T', 'x', 'x')",
                    arguments: ["c-\(index)"])
            }
        }
        let client = ShapeClient(server: server)
        var subscription = ShapeClient.Subscription(shape: shape)
        var responses = 0
        while true {
            let answer = try await client.poll(&subscription, live: false)
            responses += 1
            #expect(answer.status == 200)
            if answer.header("electric-up-to-date") != nil { break }
            #expect(responses < 100)
        }
        #expect(subscription.rows.count == 60)
        #expect(responses > 3)

        for index in 0..<30 {
            try await data.execute("UPDATE conversations SET title = 'U' WHERE id = ?", ["c-\(index)"])
        }
        var updates = 0
        var catchUps = 0
        while updates < 30 {
            let answer = try await client.poll(&subscription, live: false)
            updates += answer.changes.count
            catchUps += 1
            #expect(catchUps < 100)
        }
        #expect(updates == 30)
        #expect(catchUps > 1)

        // Once saved, a snapshot's chunks are read from the store (not kept in memory): a new
        // client, and one after a restart, get the same shape, the same chunks, the same rows.
        func readSnapshot() async throws -> (handle: String?, rows: Int, chunks: [String]) {
            var fresh = ShapeClient.Subscription(shape: shape)
            var chunks: [String] = []
            while true {
                let answer = try await client.poll(&fresh, live: false)
                #expect(answer.status == 200)
                chunks.append(answer.body)
                if answer.header("electric-up-to-date") != nil { break }
                if chunks.count > 100 { throw TestFailure("never up-to-date") }
            }
            return (fresh.handle, fresh.rows.count, chunks)
        }
        let before = try await readSnapshot()
        #expect(before.handle == subscription.handle && before.rows == 60)
        try await server.restart()
        let after = try await readSnapshot()
        #expect(after.handle == subscription.handle, "the shape survives the restart")
        #expect(after.chunks == before.chunks && after.rows == 60)
        try await server.stop()
    }
}
