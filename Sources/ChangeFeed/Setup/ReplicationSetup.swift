import Foundation

/// One-off set-up and clean-up for logical replication, on an ordinary
/// (non-replication) connection. Each call opens a connection on its own OS
/// thread, does its work and closes it.
///
/// ```swift
/// let setup = ReplicationSetup(url: url)
/// try await setup.checkServer(slotName: "qactl")
/// try await setup.setReplicaIdentityFull(["messages"])
/// try await setup.ensurePublication("qactl", tables: ["messages"])
/// ```
public struct ReplicationSetup: Sendable {
    /// A `postgres://` or `postgresql://` URL.
    public var url: String
    public var applicationName: String

    public init(url: String, applicationName: String = "qactl-setup") {
        self.url = url
        self.applicationName = applicationName
    }

    /// Connects once and disconnects: an unreachable server, a refused login or
    /// a missing database is a clear error at once, where a connection pool
    /// would go on retrying (a one-shot command checks first).
    public func checkConnection() async throws {
        try await withConnection { _ in }
    }

    /// Makes publication `name` publish exactly `tables` (creating it, or
    /// replacing its table list when it differs). A `FOR ALL TABLES`
    /// publication already covers them and is left alone.
    public func ensurePublication(_ name: String, tables: [String]) async throws {
        try ReplicationName.validate(name, what: "publication")
        let wanted = try tables.map(TableName.init)
        guard !wanted.isEmpty else {
            throw ChangeFeedError(.invalidName, "publication '\(name)' needs at least one table")
        }
        try await withConnection { connection in
            let resolved = try wanted.map { try resolve($0, connection) }
            let list = resolved.map { TableName.quote($0.schema) + "." + TableName.quote($0.name) }.joined(separator: ", ")
            let existing = try connection.query("SELECT puballtables::text FROM pg_publication WHERE pubname = $1", [name])
            guard let publication = existing.first else {
                try connection.query("CREATE PUBLICATION \(name) FOR TABLE \(list)")
                return
            }
            if publication.first == "true" { return }
            let current = try connection.query("SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1", [name])
            let currentSet = Set(current.map { "\($0[0] ?? "").\($0[1] ?? "")" })
            let wantedSet = Set(resolved.map { "\($0.schema).\($0.name)" })
            if currentSet != wantedSet {
                try connection.query("ALTER PUBLICATION \(name) SET TABLE \(list)")
            }
        }
    }

    /// `ALTER TABLE … REPLICA IDENTITY FULL` on each table not already so, so
    /// updates and deletes carry the whole old row (and unchanged TOASTed
    /// values can be filled in). Tables already FULL are not touched, since
    /// the statement takes an exclusive lock.
    public func setReplicaIdentityFull(_ tables: [String]) async throws {
        let names = try tables.map(TableName.init)
        try await withConnection { connection in
            for table in names {
                let rows = try connection.query("SELECT relreplident::text FROM pg_class WHERE oid = to_regclass($1)", [table.quoted])
                guard let identity = rows.first?.first else {
                    throw ChangeFeedError(.invalidName, "table \(table.quoted) does not exist")
                }
                if identity != "f" {
                    try connection.query("ALTER TABLE \(table.quoted) REPLICA IDENTITY FULL")
                }
            }
        }
    }

    /// Drops replication slot `name`; returns false when there was none. An
    /// active slot cannot be dropped: stop its connection first (a slot whose
    /// connection just closed is waited for, up to 5 s).
    @discardableResult
    public func dropSlot(_ name: String) async throws -> Bool {
        try ReplicationName.validate(name, what: "slot")
        return try await withConnection { connection in
            var attempts = 0
            while true {
                do {
                    return try !connection.query(
                        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1", [name]
                    ).isEmpty
                } catch let error as ChangeFeedError where error.sqlState == "55006" && attempts < 50 {
                    // "active for PID …": its walsender may still be exiting.
                    attempts += 1
                    usleep(100_000)
                }
            }
        }
    }

    /// Drops publication `name` if it exists.
    public func dropPublication(_ name: String) async throws {
        try ReplicationName.validate(name, what: "publication")
        try await withConnection { connection in
            _ = try connection.query("DROP PUBLICATION IF EXISTS \(name)")
        }
    }

    /// Runs `body` with a fresh connection on a thread of its own.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PQConnection) throws -> T) async throws -> T {
        let url = url
        let applicationName = applicationName
        return try await OSThread.run(name: "qactl-replication-setup") {
            let connection = try PQConnection.connect(url: url, applicationName: applicationName)
            defer { connection.close() }
            return try body(connection)
        }
    }

    /// The schema and name PostgreSQL resolves `table` to (through the search path).
    private func resolve(_ table: TableName, _ connection: PQConnection) throws -> (schema: String, name: String) {
        let rows = try connection.query(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)",
            [table.quoted])
        guard let row = rows.first, let schema = row[0], let name = row[1] else {
            throw ChangeFeedError(.invalidName, "table \(table.quoted) does not exist")
        }
        return (schema, name)
    }
}
