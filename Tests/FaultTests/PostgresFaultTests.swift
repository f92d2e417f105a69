import Foundation
import PostgresHarness
import QACtlTestSupport
import Testing

/// Faults of PostgreSQL and its replication slot, from outside, while users write.
@Suite(.serialized) struct PostgresFaultTests {
    let dir = TemporaryDirectory()

    /// PostgreSQL frozen (every process of the cluster stopped with SIGSTOP): a
    /// send is answered 503 at the store's call deadline instead of hanging,
    /// and once PostgreSQL runs again the same send goes through, once.
    @Test func aFrozenPostgreSQLIsA503AtTheCallDeadlineAndTheRetryGoesThroughOnce() async throws {
        let scene = try await FaultScene.start(dataDirectory: dir.path)
        defer { scene.finish() }
        let pids = try Self.stopCluster(scene.cluster)
        // `runuser`, when the cluster runs under it, stops itself once its child stops: continued too.
        let thaw = { for pid in pids + [Self.parent(of: pids[0])].compactMap({ $0 }).filter({ $0 != getpid() }) { kill(pid, SIGCONT) } }
        var thawed = false
        defer { if !thawed { thaw() } }

        let body: [String: Any] = ["conversationId": FaultScene.conversation, "questionId": "q-frozen", "answerId": "a-frozen", "content": "Frozen?"]
        let start = ContinuousClock.now
        let refused = try await scene.api.post("/questions/send", json: body, token: scene.alice)
        let waited = ContinuousClock.now - start
        #expect(refused.status == 503, "\(refused.body)")
        #expect((refused.json["error"] as? [String: Any])?["code"] as? String == "unavailable", "\(refused.body)")
        #expect(refused.headers["retry-after"] != nil)
        #expect(waited >= .seconds(4) && waited < .seconds(15), "answered after \(waited): the deadline is 5 s")

        thaw()
        thawed = true
        // The refused send may still have committed once PostgreSQL resumed: the retry is then its repeat.
        var txids: Set<Int> = []
        try await eventually("the retried send goes through", timeout: .seconds(30)) {
            let retried = try await scene.api.post("/questions/send", json: body, token: scene.alice)
            if retried.status == 200, let txid = retried.json["txid"] as? Int { txids.insert(txid) }
            return retried.status == 200
        }
        let again = try await scene.api.post("/questions/send", json: body, token: scene.alice)
        #expect(again.status == 200)
        if let txid = again.json["txid"] as? Int { txids.insert(txid) }
        #expect(txids.count == 1, "every repeat answers the one transaction: \(txids)")
        let rows = try await blocking { [cluster = scene.cluster] in
            try cluster.psql("SELECT count(*) FROM messages WHERE id IN ('q-frozen', 'a-frozen')")
        }
        #expect(rows.trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        try await scene.expectCleanStop()
    }

    /// Stops the postmaster (first line of its pid file) with SIGSTOP, then every
    /// process it started (listed after it stopped, so it forks none after the list).
    static func stopCluster(_ cluster: PostgresCluster) throws -> [pid_t] {
        let pidFile = try String(contentsOfFile: cluster.directory + "/data/postmaster.pid", encoding: .utf8)
        let postmaster = try #require(pid_t(pidFile.split(separator: "\n").first ?? ""))
        kill(postmaster, SIGSTOP)
        var pids = [postmaster]
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            if let pid = pid_t(entry), parent(of: pid) == postmaster { pids.append(pid) }
        }
        for pid in pids.dropFirst() { kill(pid, SIGSTOP) }
        return pids
    }

    /// A process's parent, from `/proc/<pid>/stat` (after "pid (comm) state").
    static func parent(of pid: pid_t) -> pid_t? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? pid_t(fields[1]) : nil
    }

    @Test func aSlotDroppedWhileRunningIsAGapThatEveryShapeIsRebuiltFrom() async throws {
        let scene = try await FaultScene.start(dataDirectory: dir.path)
        defer { scene.finish() }
        let follower = ShapeFollower(api: scene.api, token: scene.shapeToken)
        try await eventually("the follower is live") { follower.current.upToDate }
        let load = scene.load(count: 60, tag: "drop")
        try await eventually("writes are flowing") { load.current.acknowledged.count >= 20 }
        try await scene.dropSlot()
        let tally = await load.finish()

        try await scene.expectEveryAcknowledgedWriteOnce(tally, follower: follower)
        #expect(follower.current.refetches >= 1, "the live follower was told to refetch (409)")
        #expect(scene.server.stderr.contains("no longer exists"), "the gap is logged as an error")
        #expect(scene.server.stderr.contains("every shape is refetched"))
        try await eventually("healthy again") { try await HTTP.send(scene.server.baseURL + "/healthz").status == 200 }
        await follower.stop()
        try await scene.expectCleanStop()
    }

    @Test func aSlotDroppedWhileStoppedIsTheSameGap() async throws {
        let scene = try await FaultScene.start(dataDirectory: dir.path)
        defer { scene.finish() }
        let first = await scene.load(writers: 2, count: 10, tag: "before").finish()
        var state = ServerAPI.Follow()
        try await scene.api.catchUp(&state, token: scene.shapeToken)
        try await scene.server.stop()

        try await scene.dropSlot()
        _ = try await blocking { [cluster = scene.cluster] in
            try cluster.psql("INSERT INTO messages VALUES ('q-while-down', '\(FaultScene.conversation)', 'alice', 'user', 'completed', 'x', now(), now())")
        }
        try await scene.server.restart()
        // The old handle is refused once the gap is found: its log may miss changes.
        try await eventually("the old handle gets a 409", timeout: .seconds(15)) {
            var copy = state
            return try await scene.api.follow(&copy, token: scene.shapeToken).status == 409
        }
        let fresh = try await ShapeFollower.freshSync(api: scene.api, token: scene.shapeToken)
        #expect(Set(first.acknowledged + ["q-while-down"]).subtracting(fresh.keys).isEmpty)
        #expect(fresh.values.allSatisfy { $0 == 1 })
        #expect(scene.server.stderr.contains("no longer exists"))

        // And changes flow again through the new slot.
        let follower = ShapeFollower(api: scene.api, token: scene.shapeToken)
        let after = await scene.load(writers: 2, count: 10, tag: "after").finish()
        try await scene.expectEveryAcknowledgedWriteOnce(after, follower: follower)
        await follower.stop()
        try await scene.expectCleanStop()
    }

    /// `max_slot_wal_keep_size`, the operator's safety net, invalidates the
    /// slot of an instance that fell behind (here: stopped while WAL was
    /// written): the instance finds it lost at its next start, makes a new
    /// slot, its clients refetch, and nothing acknowledged is missing.
    @Test func aSlotInvalidatedByMaxSlotWalKeepSizeIsAGapTheInstanceRecoversFrom() async throws {
        let scene = try await FaultScene.start(dataDirectory: dir.path)
        defer { scene.finish() }
        let first = await scene.load(writers: 2, count: 10, tag: "before").finish()
        var state = ServerAPI.Follow()
        try await scene.api.catchUp(&state, token: scene.shapeToken)
        try await scene.server.stop()

        // Past the limit: WAL moves on by several segments and a checkpoint removes them.
        let status = try await blocking { [cluster = scene.cluster] () -> String in
            _ = try cluster.psql("ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'")
            _ = try cluster.psql("SELECT pg_reload_conf()")
            for _ in 0..<4 {
                _ = try cluster.psql("INSERT INTO messages VALUES ('q-past-' || md5(random()::text), '\(FaultScene.conversation)', 'alice', 'user', 'completed', repeat('x', 1000), now(), now())")
                _ = try cluster.psql("SELECT pg_switch_wal()")
            }
            _ = try cluster.psql("CHECKPOINT")
            return try cluster.psql("SELECT wal_status FROM pg_replication_slots WHERE slot_name LIKE 'qactl\\_%'").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(status == "lost", "the slot is invalidated: \(status)")
        try await scene.server.restart()
        try await eventually("the old handle gets a 409", timeout: .seconds(30)) {
            var copy = state
            return try await scene.api.follow(&copy, token: scene.shapeToken).status == 409
        }
        let fresh = try await ShapeFollower.freshSync(api: scene.api, token: scene.shapeToken)
        #expect(Set(first.acknowledged).subtracting(fresh.keys).isEmpty)
        #expect(fresh.keys.filter { $0.hasPrefix("q-past-") }.count == 4, "the writes made while it was behind are there")
        #expect(fresh.values.allSatisfy { $0 == 1 })
        // New writes flow through the new slot.
        let follower = ShapeFollower(api: scene.api, token: scene.shapeToken)
        let after = await scene.load(writers: 2, count: 10, tag: "after").finish()
        try await scene.expectEveryAcknowledgedWriteOnce(after, follower: follower)
        await follower.stop()
        try await scene.expectCleanStop()
    }

    @Test(arguments: ["fast", "immediate"])
    func postgresRestartedDuringWrites(mode: String) async throws {
        let scene = try await FaultScene.start(dataDirectory: dir.path)
        defer { scene.finish() }
        let follower = ShapeFollower(api: scene.api, token: scene.shapeToken)
        try await eventually("the follower is live") { follower.current.upToDate }
        let load = scene.load(count: 80, tag: mode)
        try await eventually("writes are flowing") { load.current.acknowledged.count >= 20 }

        // A fast shutdown waits for qactl's walsender: qactl must confirm the end of WAL.
        let took = try await blocking { [cluster = scene.cluster] in try cluster.shutDown(mode: mode, timeout: 30) }
        #expect(took < .seconds(15), "pg_ctl stop -m \(mode) took \(took)")
        try await Task.sleep(for: .seconds(2))
        let down = try await HTTP.send(scene.server.baseURL + "/healthz")
        #expect(down.status == 503)
        try await blocking { [cluster = scene.cluster] in try cluster.startAgain() }
        let tally = await load.finish()

        #expect(tally.unavailable > 0 || tally.acknowledged.count == 4 * 80, "writes during the outage were answered 503")
        try await scene.expectEveryAcknowledgedWriteOnce(tally, follower: follower)
        try await scene.expectAnswersFinish()
        try await eventually("healthy again") { try await HTTP.send(scene.server.baseURL + "/healthz").status == 200 }
        #expect(!scene.server.stderr.contains("Generic description"), "errors are logged with what happened")
        await follower.stop()
        try await scene.expectCleanStop()
    }

    @Test func sigtermWhilePostgresIsDownEndsTheProcess() async throws {
        let scene = try await FaultScene.start(dataDirectory: dir.path)
        defer { scene.finish() }
        let load = scene.load(writers: 2, count: 1000, tag: "down")
        try await eventually("writes are flowing") { load.current.acknowledged.count >= 10 }
        try await blocking { [cluster = scene.cluster] in _ = try cluster.shutDown(mode: "immediate") }
        try await Task.sleep(for: .seconds(1))
        let refused = try await scene.api.post(
            "/questions/send", json: ["conversationId": FaultScene.conversation, "questionId": "q-x", "answerId": "a-x", "content": "x"], token: scene.alice)
        #expect(refused.status == 503)
        #expect(refused.header("retry-after") != nil)
        try await scene.expectCleanStop()
        load.stop()
        _ = await load.finish()

        // What was acknowledged is there after both come back; unfinished answers are resumed.
        try await blocking { [cluster = scene.cluster] in try cluster.startAgain() }
        try await scene.server.restart()
        let fresh = try await ShapeFollower.freshSync(api: scene.api, token: scene.shapeToken)
        #expect(Set(load.current.acknowledged).subtracting(fresh.keys).isEmpty)
        try await scene.expectAnswersFinish()
        try await scene.expectCleanStop()
    }
}
