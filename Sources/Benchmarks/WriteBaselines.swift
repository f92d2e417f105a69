import Foundation
import GRDB
import PostgresHarness
import ProcessSpawning
import Synchronization

/// The best real tool doing a send's write at the same concurrency, measured
/// in the same run: `pgbench` on PostgreSQL, raw SQLite on the embedded side.
struct WriteBaseline {
    var transactionsPerSecond: Double
    var latencyMilliseconds: Double
    var tool: String

    /// A send's transaction as `pgbench` runs it: the txid and the two inserts.
    static let pgbenchScript = """
        BEGIN;
        SELECT pg_current_xact_id()::xid;
        INSERT INTO messages(id, conversation_id, user_id, role, status, content, created_at, updated_at) VALUES ('q-' || gen_random_uuid(), 'pb-' || :client_id, 'bench', 'user', 'completed', 'How do I mint a shape token?', now(), now());
        INSERT INTO messages(id, conversation_id, user_id, role, status, content, created_at, updated_at) VALUES ('a-' || gen_random_uuid(), 'pb-' || :client_id, 'bench', 'assistant', 'pending', '', now(), now());
        COMMIT;

        """

    /// `pgbench -c clients` (prepared statements) on a database of its own in
    /// `cluster`, with qactl's two tables as qactl creates them.
    /// `transactions` in all, split between the clients. (A count, not `-T`:
    /// pgbench times `-T` with SIGALRM, which a child of this process may
    /// inherit blocked.)
    static func pgbench(_ cluster: PostgresCluster, clients: Int, transactions: Int) throws -> WriteBaseline {
        _ = try cluster.createDatabase("baseline")
        try cluster.psql("""
            CREATE TABLE conversations (id text PRIMARY KEY, user_id text NOT NULL, title text NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
            CREATE INDEX conversations_user ON conversations(user_id, created_at);
            CREATE TABLE messages (id text PRIMARY KEY, conversation_id text NOT NULL REFERENCES conversations(id), user_id text NOT NULL,
                role text NOT NULL CHECK (role IN ('user', 'assistant')), status text NOT NULL CHECK (status IN ('pending', 'streaming', 'completed', 'failed')),
                content text NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
            CREATE INDEX messages_conversation ON messages(conversation_id, created_at);
            ALTER TABLE conversations REPLICA IDENTITY FULL;
            ALTER TABLE messages REPLICA IDENTITY FULL;
            INSERT INTO conversations SELECT 'pb-' || i, 'bench', 'Bench', now(), now() FROM generate_series(0, \(clients - 1)) AS i;
            """, database: "baseline")
        return try runPgbench(cluster, clients: clients, transactions: transactions)
    }

    /// The same `pgbench`, on the database ``pgbench(_:clients:transactions:)``
    /// set up, while `pg_recvlogical` streams every change through `pgoutput`
    /// (the decoding qactl's replication slot makes PostgreSQL do): what the
    /// cluster itself can commit and decode on this machine, a ceiling no
    /// server consuming the stream can pass.
    static func pgbenchWhileDecoding(_ cluster: PostgresCluster, clients: Int, transactions: Int) throws -> WriteBaseline {
        try cluster.psql("""
            CREATE PUBLICATION bench_decoding FOR TABLE conversations, messages;
            SELECT pg_create_logical_replication_slot('bench_decoding', 'pgoutput');
            """, database: "baseline")
        // The slot must not outlive this: it would hold WAL back while qactl is measured on the same cluster.
        defer { dropDecodingSlot(cluster) }
        let consumer = try SpawnedProcess(
            cluster.binaries.path("pg_recvlogical"),
            ["-d", cluster.url(database: "baseline"), "--slot", "bench_decoding", "--start", "-o", "proto_version=1",
             "-o", "publication_names=bench_decoding", "-f", "/dev/null"],
            standardOutput: .null, standardError: .null)
        defer {
            // SIGKILL: nothing of its own to save, and an exit that never waits on the server.
            consumer.signal(SIGKILL)
            _ = consumer.waitBlocking()
        }
        // Streaming before the first transaction, so every one is decoded.
        let deadline = Date().addingTimeInterval(10)
        while try cluster.psql("SELECT active FROM pg_replication_slots WHERE slot_name = 'bench_decoding'", database: "baseline")
            .trimmingCharacters(in: .whitespacesAndNewlines) != "t" {
            guard consumer.isRunning, Date() < deadline else { throw BenchmarkError("pg_recvlogical did not start streaming") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        var measured = try runPgbench(cluster, clients: clients, transactions: transactions)
        if let ended = consumer.termination { throw BenchmarkError("pg_recvlogical stopped during pgbench (\(ended))") }
        measured.tool = "pgbench -c \(clients) while pg_recvlogical decodes it (pgoutput)"
        return measured
    }

    /// Drops the decoding slot (its walsender terminated first: an active slot
    /// cannot be dropped, and it may not have noticed its consumer is gone) and
    /// the publication.
    private static func dropDecodingSlot(_ cluster: PostgresCluster) {
        let deadline = Date().addingTimeInterval(5)
        repeat {
            _ = try? cluster.psql(
                "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'bench_decoding' AND active_pid IS NOT NULL",
                database: "baseline")
            _ = try? cluster.psql("SELECT pg_drop_replication_slot('bench_decoding')", database: "baseline")
            let left = try? cluster.psql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'bench_decoding'", database: "baseline")
            if left?.trimmingCharacters(in: .whitespacesAndNewlines) == "0" { break }
            Thread.sleep(forTimeInterval: 0.1)
        } while Date() < deadline
        _ = try? cluster.psql("DROP PUBLICATION IF EXISTS bench_decoding", database: "baseline")
    }

    private static func runPgbench(_ cluster: PostgresCluster, clients: Int, transactions: Int) throws -> WriteBaseline {
        let script = NSTemporaryDirectory() + "qactl-pgbench-\(UUID().uuidString).sql"
        try pgbenchScript.write(toFile: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: script) }
        let run = try CommandRunner.run(
            cluster.binaries.path("pgbench"),
            ["-n", "-M", "prepared", "-c", "\(clients)", "-j", "\(min(clients, 2))", "-t", "\(max(100, transactions / clients))", "-f", script,
             cluster.url(database: "baseline")])
        let text = run.stdout
        guard run.status == 0,
            let tps = number(after: "tps = ", in: text), let latency = number(after: "latency average = ", in: text)
        else { throw BenchmarkError("pgbench failed (exit \(run.status)): \(text.suffix(300)) \(run.stderr.suffix(300))") }
        return WriteBaseline(transactionsPerSecond: tps, latencyMilliseconds: latency, tool: "pgbench -c \(clients), same transaction")
    }

    private static func number(after label: String, in text: String) -> Double? {
        guard let range = text.range(of: label) else { return nil }
        return Double(text[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }

    /// `threads` threads writing the same two rows per transaction straight
    /// into a SQLite file with the durability qactl's store has (WAL,
    /// `synchronous = FULL`: each commit synced; an immediate transaction each).
    static func rawSQLite(threads: Int, seconds: Double) throws -> WriteBaseline {
        let path = NSTemporaryDirectory() + "qactl-bench-raw-\(UUID().uuidString).sqlite"
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        var configuration = Configuration()
        // SQLite's busy handler is not fair: with many writers one may wait long.
        configuration.busyMode = .timeout(120)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let setup = try DatabaseQueue(path: path, configuration: configuration)
        try setup.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: """
                CREATE TABLE conversations (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, title TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
                CREATE TABLE messages (id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL REFERENCES conversations(id), user_id TEXT NOT NULL,
                    role TEXT NOT NULL, status TEXT NOT NULL, content TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
                CREATE INDEX messages_conversation ON messages(conversation_id, created_at);
                """)
            for index in 0..<threads {
                try db.execute(sql: "INSERT INTO conversations VALUES (?, 'bench', 'Bench', '2026-12-01', '2026-12-01')", arguments: ["pb-\(index)"])
            }
        }
        try setup.close()
        let connection = configuration
        let totals = Mutex((count: 0, latencies: Samples()))
        let deadline = Date().addingTimeInterval(seconds)
        let group = DispatchGroup()
        let failure = Mutex<(any Error)?>(nil)
        for index in 0..<threads {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    let queue = try DatabaseQueue(path: path, configuration: connection)
                    var count = 0, latencies = Samples(), sequence = 0
                    while Date() < deadline {
                        sequence += 1
                        let start = ContinuousClock.now
                        try queue.inTransaction(.immediate) { db in
                            try db.execute(
                                sql: """
                                    INSERT INTO messages VALUES (?, ?, 'bench', 'user', 'completed', 'How do I mint a shape token?', '2026-12-01', '2026-12-01'),
                                    (?, ?, 'bench', 'assistant', 'pending', '', '2026-12-01', '2026-12-01')
                                    """,
                                arguments: ["q-\(index)-\(sequence)", "pb-\(index)", "a-\(index)-\(sequence)", "pb-\(index)"])
                            return .commit
                        }
                        latencies.add(ContinuousClock.now - start)
                        count += 1
                    }
                    try queue.close()
                    totals.withLock { $0.count += count; $0.latencies.merge(latencies) }
                } catch {
                    failure.withLock { $0 = error }
                }
            }
        }
        group.wait()
        if let error = failure.withLock({ $0 }) { throw BenchmarkError("the raw SQLite baseline failed: \(error)") }
        let (count, latencies) = totals.withLock { $0 }
        return WriteBaseline(transactionsPerSecond: Double(count) / seconds, latencyMilliseconds: latencies.percentile(50),
                             tool: "raw SQLite, \(threads) threads, same transaction")
    }
}
