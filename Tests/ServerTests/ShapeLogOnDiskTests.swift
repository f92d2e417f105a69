import Foundation
import Testing
import QACtlTestSupport

/// Shape logs longer than their in-memory tail live in a file per shape
/// under the data dir: clients far behind read them back whole, and a
/// restart (clean or a crash) serves the same log without rebuilding it.
@Suite(.serialized) struct ShapeLogOnDiskTests {
    let dir = TemporaryDirectory()
    let shape = [("table", "conversations"), ("where", "user_id = $1"), ("params[1]", "alice")]
    /// Each write adds about 400 bytes to the shape's log: 300 writes are
    /// several times the 64 KB a shape keeps in memory.
    static let writes = 300
    static let arguments = ["--sync-secret", "s3cret", "--answerer", "none", "--log-level", "info"]
    static let title = String(repeating: "a long title to make the log grow ", count: 9)

    @Test func aLogPastItsMemoryTailIsReadBackWholeAcrossACrashAndARestart() async throws {
        var server = try await serve()
        var data = try TestData(server: server)
        var client = ShapeClient(server: server)
        let start = try await client.subscribe(shape)
        let handle = try #require(start.handle)
        try await write(0..<Self.writes, with: data)
        var live = start
        try await catchUp(&live, client)
        expectEveryWriteOnce(live)

        // Most of it is on disk, in the shape's own file.
        let file = dir.path + "/shapes/\(handle).log"
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        #expect(size > 0, "the log file holds what left memory")
        #expect(size < Self.writes * Self.title.utf8.count / 3, "compressed: \(size) bytes")
        // A client that stopped at the snapshot's end reads it all back.
        var behind = start
        try await catchUp(&behind, client)
        expectEveryWriteOnce(behind)

        // A crash: the file's torn or missing end comes back from the change log.
        try await server.stop(signal: SIGKILL)
        server = try await serve()
        client = ShapeClient(server: server)
        behind = start
        try await catchUp(&behind, client)
        #expect(behind.handle == handle, "the shape survived the crash")
        expectEveryWriteOnce(behind)

        // New writes go on from there, live.
        data = try TestData(server: server)
        try await data.conversation("c-after", user: "alice", title: "after the crash")
        let answer = try await client.poll(&live, live: true)
        #expect(answer.status == 200)
        #expect(answer.changes.map { $0["key"] as? String } == ["\"public\".\"conversations\"/\"c-after\""])

        // A clean stop leaves every log whole: the next start replays nothing.
        #expect(try await server.stop() == 0)
        let checkpoint = try String(contentsOfFile: dir.path + "/shapes/checkpoint", encoding: .utf8)
        server = try await serve()
        client = ShapeClient(server: server)
        let starting = try #require(server.stderr.split(separator: "\n").first { $0.contains("sync service starting") })
        let through = checkpoint.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(starting.contains("replay_from=\(through)") && starting.contains("tip=\(through)"), "nothing to replay: \(starting)")
        behind = start
        try await catchUp(&behind, client, rows: Self.writes + 1)
        #expect(behind.rows.count == Self.writes + 1)
        #expect(behind.operations.count == Self.writes + 1)
        try await server.stop()
    }

    @Test func aDamagedLogFileDropsItsShapeAndTheClientRefetches() async throws {
        var server = try await serve()
        let data = try TestData(server: server)
        var client = ShapeClient(server: server)
        let start = try await client.subscribe(shape)
        let handle = try #require(start.handle)
        try await write(0..<Self.writes, with: data)
        var live = start
        try await catchUp(&live, client)
        #expect(try await server.stop() == 0)

        // One byte flipped in the first block: the log has a hole now.
        let file = dir.path + "/shapes/\(handle).log"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[100] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: file))

        server = try await serve()
        client = ShapeClient(server: server)
        #expect(server.stderr.contains("is damaged"), "the damage is logged: \(server.stderr.suffix(800))")
        var behind = start
        let refused = try await client.poll(&behind, live: false)
        #expect(refused.status == 409, "the old handle is gone")
        let fresh = try await client.subscribe(shape)
        #expect(fresh.handle != handle)
        #expect(fresh.rows.count == Self.writes)
        #expect(!FileManager.default.fileExists(atPath: file), "the damaged file is deleted")
        try await server.stop()
    }

    @Test func aDatabaseRestoredFromAnOlderCopyIsNotServedFromNewerLogs() async throws {
        var server = try await serve()
        let data = try TestData(server: server)
        let client = ShapeClient(server: server)
        var start = try await client.subscribe(shape)
        let handle = try #require(start.handle)
        try await write(0..<100, with: data)
        try await catchUp(&start, client, rows: 100)
        #expect(try await server.stop() == 0)
        let backup = TemporaryDirectory()
        let files = ["qactl.sqlite", "qactl.sqlite-wal", "qactl.sqlite-shm"]
        for file in files where FileManager.default.fileExists(atPath: dir.path + "/" + file) {
            try FileManager.default.copyItem(atPath: dir.path + "/" + file, toPath: backup.path + "/" + file)
        }

        server = try await serve()
        let later = try TestData(server: server)
        try await write(100..<300, with: later)
        var live = start
        try await catchUp(&live, ShapeClient(server: server), rows: 300)
        #expect(try await server.stop() == 0)

        // The operator puts the older copy back: the logs on disk hold 200 rows it never had.
        for file in files {
            try? FileManager.default.removeItem(atPath: dir.path + "/" + file)
            if FileManager.default.fileExists(atPath: backup.path + "/" + file) {
                try FileManager.default.copyItem(atPath: backup.path + "/" + file, toPath: dir.path + "/" + file)
            }
        }
        server = try await serve()
        let restored = ShapeClient(server: server)
        #expect(server.stderr.contains("ahead of"), "said in the log: \(server.stderr.suffix(600))")
        var old = live
        #expect(try await restored.poll(&old, live: false).status == 409, "the old handle is refused")
        let fresh = try await restored.subscribe(shape)
        #expect(fresh.handle != handle)
        #expect(fresh.rows.count == 100, "exactly the copy's rows")
        try await server.stop()
    }

    private func serve() async throws -> ServeProcess {
        try await ServeProcess.start(dataDirectory: dir.path, arguments: Self.arguments)
    }

    /// Conversations `c-<index>` of alice, each in its own transaction, titled so the log grows.
    private func write(_ indexes: Range<Int>, with data: TestData) async throws {
        for index in indexes {
            try await data.conversation("c-\(index)", user: "alice", title: "\(index) \(Self.title)")
        }
    }

    /// Reads until up to date with at least `rows` rows (the server picks
    /// up the test's own writes to its file within a poll interval).
    private func catchUp(_ subscription: inout ShapeClient.Subscription, _ client: ShapeClient, rows: Int = Self.writes) async throws {
        for _ in 0..<1000 {
            let upToDate = subscription.offset != "-1" && subscription.rows.count >= rows
            let answer = try await client.poll(&subscription, live: upToDate)
            guard answer.status == 200 else { throw TestFailure("catching up got \(answer.status): \(answer.body.prefix(300))") }
            if answer.header("electric-up-to-date") != nil, subscription.rows.count >= rows { return }
        }
        throw TestFailure("never caught up: \(subscription.rows.count) rows")
    }

    private func expectEveryWriteOnce(_ subscription: ShapeClient.Subscription, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(subscription.rows.count == Self.writes, sourceLocation: sourceLocation)
        #expect(subscription.operations.count == Self.writes, "no change delivered twice", sourceLocation: sourceLocation)
        let titles = subscription.operations.compactMap { ($0["value"] as? [String: Any])?["title"] as? String }
        let expected = (0..<Self.writes).map { "\($0) \(Self.title)" }
        #expect(titles == expected, "in order, whole: \(titles.count) titles, first wrong at \(Array(zip(titles, expected)).firstIndex { $0 != $1 } ?? -1)",
                sourceLocation: sourceLocation)
    }
}
