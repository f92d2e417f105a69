import Foundation
import PostgresHarness
import QACtlTestSupport
import Testing

/// The embedded store's data dir damaged, shared, read-only or full.
@Suite(.serialized) struct DataDirFaultTests {
    let dir = TemporaryDirectory()

    @Test func anEmptyOrDamagedDatabaseIsRefusedAndKept() async throws {
        let scene = try await FaultScene.start(dataDirectory: dir.path, onPostgres: false)
        try await scene.expectCleanStop()
        let database = dir.path + "/qactl.sqlite"
        let attributes = try FileManager.default.attributesOfItem(atPath: database)
        #expect((attributes[.posixPermissions] as? Int) == 0o600, "the database is private, as the keys are")

        // Everything into the main file, so the bytes below are the whole database.
        try checkpoint(database)
        // Truncated to nothing: not a new database.
        let original = try Data(contentsOf: URL(fileURLWithPath: database))
        try Data().write(to: URL(fileURLWithPath: database))
        let empty = try serveRefusal(dataDirectory: dir.path)
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("empty file"), "\(empty.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)).isEmpty, "the file is left for the operator")

        // Garbage where the header was: refused the same way, nothing overwritten.
        var garbage = original
        garbage.replaceSubrange(0..<100, with: Data(repeating: 0x5A, count: 100))
        try garbage.write(to: URL(fileURLWithPath: database))
        let damaged = try serveRefusal(dataDirectory: dir.path)
        #expect(damaged.status == 1)
        #expect(damaged.stderr.contains(database), "\(damaged.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == garbage)

        // Restored: it serves what it had.
        try original.write(to: URL(fileURLWithPath: database))
        try await scene.server.restart()
        let fresh = try await ShapeFollower.freshSync(api: scene.api, token: scene.shapeToken)
        #expect(fresh.isEmpty)
        try await scene.expectCleanStop()
    }

    @Test func aSecondServerOnTheSameDataDirIsRefused() async throws {
        let scene = try await FaultScene.start(dataDirectory: dir.path, onPostgres: false)
        let second = try serveRefusal(dataDirectory: dir.path)
        #expect(second.status == 1)
        #expect(second.stderr.contains("another qactl serve (pid"), "\(second.stderr)")
        // The first one is unharmed.
        #expect(try await HTTP.send(scene.server.baseURL + "/healthz").status == 200)

        // Another data dir on the first one's address: the address is named, and what to do.
        let elsewhere = TemporaryDirectory()
        let port = try #require(scene.server.baseURL.split(separator: ":").last.map(String.init))
        let taken = try CommandRunner.run(
            TestServer.executable, ["serve", "--listen", "127.0.0.1:\(port)", "--data-dir", elsewhere.path], timeout: .seconds(30))
        #expect(taken.status == 1)
        #expect(taken.stderr.contains("cannot listen on 127.0.0.1:\(port): the address is in use"), "\(taken.stderr)")
        #expect(taken.stderr.contains("--listen"))
        #expect(try await HTTP.send(scene.server.baseURL + "/healthz").status == 200)
        try await scene.expectCleanStop()
    }

    /// A file system cannot be remounted read-only under a running server (its
    /// files are open for writing), so this checks the start; the running
    /// server's /healthz makes the same check.
    @Test(.enabled(if: TmpfsMount.isAvailable, "needs root to mount a tmpfs"))
    func aReadOnlyDataDirIsRefusedAtStart() async throws {
        let mount = try TmpfsMount(kilobytes: 16 * 1024)
        let scene = try await FaultScene.start(dataDirectory: mount.path, onPostgres: false)
        try await scene.expectCleanStop()
        try mount.remount(readOnly: true)
        let refused = try serveRefusal(dataDirectory: mount.path)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("not writable") || refused.stderr.contains("Read-only"), "\(refused.stderr)")
    }

    @Test(.enabled(if: TmpfsMount.isAvailable, "needs root to mount a tmpfs"))
    func aFullDiskDelaysWritesAndLosesNothing() async throws {
        let mount = try TmpfsMount(kilobytes: 8 * 1024)
        let scene = try await FaultScene.start(dataDirectory: mount.path, onPostgres: false)
        let follower = ShapeFollower(api: scene.api, token: scene.shapeToken)
        try await eventually("the follower is live") { follower.current.upToDate }
        let load = scene.load(writers: 8, count: 30, tag: "full")
        try await eventually("writes are flowing") { load.current.acknowledged.count >= 10 }

        // Fill the file system; writes are refused with 503 while it is full.
        let filler = mount.path + "/filler"
        _ = FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        let block = Data(repeating: 0, count: 64 * 1024)
        while (try? handle.write(contentsOf: block)) != nil {}
        try? handle.close()
        try await eventually("writes meet the full disk", timeout: .seconds(30)) { load.current.unavailable > 0 }
        let health = try await HTTP.send(scene.server.baseURL + "/healthz")
        #expect(health.status == 503)
        #expect(health.body.contains("not writable"), "\(health.body)")
        try FileManager.default.removeItem(atPath: filler)
        let tally = await load.finish()
        // A full disk is a 503 to retry, whichever write of a batch met it first.
        #expect(tally.unexpected.isEmpty, "\(tally.unexpected)")

        try await scene.expectEveryAcknowledgedWriteOnce(tally, follower: follower)
        try await scene.expectAnswersFinish()
        await follower.stop()
        try await scene.expectCleanStop()
    }

    /// `PRAGMA wal_checkpoint(TRUNCATE)` with the sqlite3 shell.
    func checkpoint(_ database: String) throws {
        try CommandRunner.check("/usr/bin/sqlite3", [database, "PRAGMA wal_checkpoint(TRUNCATE);"])
    }
}

/// A database or replication log deleted while qactl was stopped.
@Suite(.serialized) struct DeletedStoreTests {
    let dir = TemporaryDirectory()

    @Test func aDeletedDatabaseIsRefusedUntilTheOperatorConsents() async throws {
        let scene = try await FaultScene.start(dataDirectory: dir.path, onPostgres: false)
        let before = await scene.load(writers: 1, count: 5, tag: "gone").finish()
        #expect(before.acknowledged.count == 5)
        var state = ServerAPI.Follow()
        try await scene.api.catchUp(&state, token: scene.shapeToken)
        try await scene.expectCleanStop()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir.path + "/qactl.sqlite" + suffix) }

        let refused = try serveRefusal(dataDirectory: dir.path)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("is missing, but this data dir had one"), "\(refused.stderr)")
        #expect(refused.stderr.contains("--new-database"))

        // Consent: a new, empty database; the old handle is refused, so the client refetches.
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--new-database"])
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        try await api.conversation(FaultScene.conversation, token: alice)
        let token = try #require(try await api.shapeToken(table: "messages", params: ["conversationId": FaultScene.conversation], token: alice).1)
        #expect(try await api.follow(&state, token: token).status == 409)
        #expect(try await ShapeFollower.freshSync(api: api, token: token).isEmpty)
        #expect(try await server.stop() == 0)
    }

    @Test func aDeletedReplicationLogIsRefusedThenRebuiltWithEveryRowOnce() async throws {
        let scene = try await FaultScene.start(dataDirectory: dir.path)
        defer { scene.finish() }
        let before = await scene.load(writers: 2, count: 10, tag: "log").finish()
        try await scene.expectCleanStop()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir.path + "/postgres-feed.sqlite" + suffix) }
        let database = ["--database-url", scene.cluster.url + "?sslmode=disable"]
        let refused = try serveRefusal(dataDirectory: dir.path, arguments: database)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("replication log"), "\(refused.stderr)")

        let server = try await TestServer.start(dataDirectory: dir.path, arguments: database + ["--new-database", "--log-level", "info"])
        // The old log's slot is named for the operator, not dropped behind their back.
        #expect(server.stderr.contains("is not in use and keeps"), "\(server.stderr)")
        let api = ServerAPI(server: server)
        let fresh = try await ShapeFollower.freshSync(api: api, token: scene.shapeToken)
        #expect(Set(before.acknowledged).subtracting(fresh.keys).isEmpty)
        #expect(fresh.values.allSatisfy { $0 == 1 })
        #expect(try await server.stop() == 0)
    }
}
