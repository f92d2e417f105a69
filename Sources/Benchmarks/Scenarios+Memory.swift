import Foundation
import GRDB
import Synchronization

extension BenchmarkScenario {
    /// Memory of idle state in `qactl serve` (its own process): `shapes`
    /// shapes, then `polls` live long-polls parked on them, each step's RSS
    /// growth divided by its count.
    static func idleMemory(shapes: Int, polls: Int) async throws -> BenchmarkResult {
        try await ServeProcess.with(arguments: ["--max-connections", "\(polls + 1024)", "--long-poll-timeout", "120s", "--max-live-requests", "\(polls + 1)"]) { server in
            let client = BenchmarkClient(baseURL: server.baseURL, secret: ServeProcess.secret, connections: polls + 64)
            defer { Task { await client.shutdown() } }
            try await createConversations(shapes, prefix: "m", server: server, client: client)
            try await Task.sleep(for: .seconds(1))
            let base = server.usage.residentBytes
            let subscriptions = try await withThrowingTaskGroup(of: BenchmarkClient.Subscription.self) { group in
                var result: [BenchmarkClient.Subscription] = []
                for index in 0..<shapes {
                    if index >= 32 { result.append(try await group.next()!) }
                    group.addTask { try await client.subscribe(query: BenchmarkRows.messagesQuery("m-\(index)")) }
                }
                for try await subscription in group { result.append(subscription) }
                return result
            }
            try await Task.sleep(for: .seconds(1))
            let withShapes = server.usage.residentBytes

            // In waves of 500: ten thousand connections opened at once overflow the listen
            // backlog, and the retried connects starve the client's own gauge requests.
            var parked: [Task<Void, Never>] = []
            let deadline = ContinuousClock.now + .seconds(90)
            for wave in stride(from: 0, to: polls, by: 500) {
                let end = min(polls, wave + 500)
                parked += (wave..<end).map { index in
                    Task {
                        var subscription = subscriptions[index % shapes]
                        _ = try? await client.poll(&subscription, live: true)
                    }
                }
                while try await liveGauge(client, "qactl_shape_live_polls") < Double(end) {
                    guard ContinuousClock.now < deadline else { throw BenchmarkError("the live polls did not all reach the server") }
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            try await Task.sleep(for: .seconds(1))
            let withPolls = server.usage.residentBytes
            for poll in parked { poll.cancel() }
            let perShape = Double(withShapes - base) / Double(shapes) / 1024
            let perPoll = Double(withPolls - withShapes) / Double(polls) / 1024
            return BenchmarkResult(
                scenario: "idle-memory", summary: "server RSS growth per idle shape (\(shapes)) and per parked live poll (\(polls))",
                figures: [.init(name: "per_parked_poll", value: perPoll, unit: "KB"), .init(name: "per_idle_shape", value: perShape, unit: "KB"),
                          .init(name: "rss_with_polls", value: Double(withPolls) / 1_048_576, unit: "MB")],
                baseline: .init(name: "Electric's parked long-poll (peers note)", value: 50, unit: "KB"),
                ratio: perPoll / 50, target: "≤ 16 KB per parked poll", met: perPoll <= 16)
        }
    }

    /// Closed-loop users for a while, the server's RSS sampled every few
    /// seconds: after the first minute it should stay flat.
    static func soak(users: Int, seconds: Int) async throws -> BenchmarkResult {
        try await ServeProcess.with { server in
            let samples = RSSSamples()
            let sampler = Task {
                while !Task.isCancelled {
                    samples.add(server.usage.residentBytes)
                    try await Task.sleep(for: .seconds(5))
                }
            }
            defer { sampler.cancel() }
            let outcome = try await ClosedLoop(users: users, warmUp: .seconds(0), measure: .seconds(seconds)).run(against: server)
            samples.add(server.usage.residentBytes)
            let values = samples.values
            let afterMinute = values.count > 12 ? values[12] : values.first ?? 0
            let growth = Double((values.last ?? 0) - afterMinute) / 1_048_576
            let curve = stride(from: 0, to: values.count, by: max(1, values.count / 8)).map { String(format: "%.0f", Double(values[$0]) / 1_048_576) }
            return BenchmarkResult(
                scenario: "soak", summary: "\(users) closed-loop users for \(seconds) s; server RSS every 5 s (MB): \(curve.joined(separator: " "))",
                figures: [.init(name: "sends", value: Double(outcome.confirmed), unit: ""),
                          .init(name: "rss_after_1_min", value: Double(afterMinute) / 1_048_576, unit: "MB"),
                          .init(name: "rss_at_end", value: Double(values.last ?? 0) / 1_048_576, unit: "MB")],
                baseline: .init(name: "RSS after the first minute", value: Double(afterMinute) / 1_048_576, unit: "MB"),
                ratio: Double(values.last ?? 0) / Double(max(1, afterMinute)), target: "growth after the first minute ≤ 32 MB", met: growth <= 32)
        }
    }
}

/// RSS readings of the soak, shared by the sampler and the report.
final class RSSSamples: Sendable {
    private let readings = Mutex<[Int]>([])
    func add(_ bytes: Int) { readings.withLock { $0.append(bytes) } }
    var values: [Int] { readings.withLock { $0 } }
}

extension BenchmarkScenario {
    /// Closed-loop sends for `seconds` (about 100,000 at full size on a
    /// 2-core machine), then one maintenance pass: the data dir against the
    /// size of the table data alone (a copy of the database with only the
    /// app's tables, vacuumed).
    static func dataDirSize(users: Int, seconds: Int) async throws -> BenchmarkResult {
        // A short TTL makes maintenance (checkpoint, compaction) run every 10 s.
        try await ServeProcess.with(arguments: ["--shape-ttl", "40s"]) { server in
            let confirmed = try await ClosedLoop(users: users, warmUp: .seconds(0), measure: .seconds(seconds)).run(against: server).confirmed
            // Two maintenance passes: the second write after a checkpoint cuts the WAL back.
            try await Task.sleep(for: .seconds(22))
            let directory = try Self.bytes(under: server.dataDirectory)
            let tables = try Self.tableDataBytes(of: server.dataDirectory + "/qactl.sqlite")
            let shapeLogs = try Self.bytes(under: server.dataDirectory + "/shapes")
            let file = server.dataDirectory + "/qactl.sqlite"
            let wal = (try? FileManager.default.attributesOfItem(atPath: file + "-wal")[.size] as? Int) ?? 0
            let database = ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0) + wal
            let (free, own) = try Self.databaseBreakdown(file)
            let ratio = Double(directory) / Double(max(1, tables))
            return BenchmarkResult(
                scenario: "data-dir", summary: "\(confirmed) confirmed sends by \(users) closed-loop users, every shape caught up, after a maintenance pass",
                figures: [.init(name: "data_dir", value: Double(directory) / 1_048_576, unit: "MB"),
                          .init(name: "shape_logs", value: Double(shapeLogs) / 1_048_576, unit: "MB"),
                          .init(name: "database_and_wal", value: Double(database) / 1_048_576, unit: "MB"),
                          .init(name: "of_which_wal", value: Double(wal) / 1_048_576, unit: "MB"),
                          .init(name: "free_pages", value: Double(free) / 1_048_576, unit: "MB"),
                          .init(name: "qactl_tables", value: Double(own) / 1_048_576, unit: "MB"),
                          .init(name: "table_data", value: Double(tables) / 1_048_576, unit: "MB")],
                baseline: .init(name: "the table data alone (vacuumed copy)", value: Double(tables) / 1_048_576, unit: "MB"),
                ratio: ratio, target: "data dir ≤ 2× the table data", met: ratio <= 2)
        }
    }

    /// Free pages in `database`, and the size of qactl's own tables in it (payload bytes).
    static func databaseBreakdown(_ database: String) throws -> (free: Int, own: Int) {
        try DatabaseQueue(path: database).inDatabase { db in
            let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            let free = (try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0) * pageSize
            var own = 0
            for (table, expression) in [("_qactl_changes", "length(coalesce(old_row,'')) + length(coalesce(new_row,'')) + 40"),
                                        ("_qactl_tx", "40"), ("_qactl_requests", "length(id) + length(user_id) + length(fingerprint) + 20")] {
                own += try Int.fetchOne(db, sql: "SELECT coalesce(sum(\(expression)), 0) FROM \(table)") ?? 0
            }
            return (free, own)
        }
    }

    /// Bytes of every file under `path`.
    static func bytes(under path: String) throws -> Int {
        guard let walker = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total = 0
        while let name = walker.nextObject() as? String {
            let attributes = try FileManager.default.attributesOfItem(atPath: path + "/" + name)
            if attributes[.type] as? FileAttributeType == .typeRegular { total += attributes[.size] as? Int ?? 0 }
        }
        return total
    }

    /// The size of `database` with only the app's tables: copied with
    /// `VACUUM INTO`, qactl's own tables dropped, vacuumed again.
    static func tableDataBytes(of database: String) throws -> Int {
        let copy = NSTemporaryDirectory() + "qactl-bench-tables-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try DatabaseQueue(path: database).inDatabase { db in try db.execute(sql: "VACUUM INTO ?", arguments: [copy]) }
        let queue = try DatabaseQueue(path: copy)
        try queue.writeWithoutTransaction { db in
            let own = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '\\_qactl%' ESCAPE '\\'")
            for table in own { try db.execute(sql: "DROP TABLE \"\(table)\"") }
            try db.execute(sql: "VACUUM")
        }
        try queue.close()
        return try FileManager.default.attributesOfItem(atPath: copy)[.size] as? Int ?? 0
    }
}
