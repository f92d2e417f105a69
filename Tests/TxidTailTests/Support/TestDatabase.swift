import Foundation
import PostgresHarness

/// One PostgreSQL cluster for the whole test process (initdb costs seconds),
/// a fresh database per test; the harness stops the cluster at exit.
struct TestDatabase: Sendable {
    private static let shared = Result { try PostgresCluster.start() }

    let cluster: PostgresCluster
    let name: String
    var url: String { cluster.url(database: name) }

    /// A new, empty database.
    static func create() async throws -> TestDatabase {
        // Off the cooperative pool: the first caller runs initdb, the others wait for it.
        let cluster = try await onThread { try shared.get() }
        let name = "tail_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        _ = try await onThread { try cluster.createDatabase(name) }
        return TestDatabase(cluster: cluster, name: name)
    }

    /// Runs `sql` with psql in this database; returns what it printed (tuples only).
    @discardableResult
    func sql(_ sql: String) async throws -> String {
        try await onThread { [cluster, name] in try cluster.psql(sql, database: name) }
    }

    /// Runs `statements` in one transaction and returns its 32-bit xid, read
    /// inside it with `pg_current_xact_id()::xid` as the API would.
    func transaction(_ statements: String) async throws -> UInt64 {
        let output = try await sql("BEGIN;\n\(statements)\nSELECT pg_current_xact_id()::xid::text;\nCOMMIT;")
        guard let xid = output.split(separator: "\n").last.flatMap({ UInt64($0) }) else {
            throw ToolFailure("no xid in psql's output: \(output)")
        }
        return xid
    }

    /// Replication slots and `qactl_tail_` publications in this database.
    func leftovers() async throws -> (slots: Int, publications: Int) {
        let slots = try await sql("SELECT count(*) FROM pg_replication_slots WHERE database = current_database()")
        let publications = try await sql("SELECT count(*) FROM pg_publication WHERE pubname LIKE 'qactl\\_tail\\_%'")
        return (Int(slots) ?? -1, Int(publications) ?? -1)
    }

    /// ``leftovers()`` once they are gone, or after 5 s: a temporary slot
    /// goes when its walsender has exited, a moment after the client did.
    func leftoversAfterExit() async throws -> (slots: Int, publications: Int) {
        let deadline = ContinuousClock.now + .seconds(5)
        var found = try await leftovers()
        while found != (0, 0), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            found = try await leftovers()
        }
        return found
    }

    /// The next xid PostgreSQL will assign (cluster-wide).
    func nextXid() async throws -> UInt64 {
        UInt64(try await sql("SELECT pg_snapshot_xmax(pg_current_snapshot())::text")) ?? 0
    }
}

/// Runs blocking harness work (psql, initdb) off the cooperative thread pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
