import Foundation

/// The catalog queries of PostgreSQL mode, each on a fresh connection on a
/// thread of its own, so that no Swift-concurrency thread waits on the network.
struct PostgresCatalog: Sendable {
    let url: String

    /// What `pg_xact_status` says about a transaction.
    enum TransactionStatus: Equatable {
        case committed, aborted, inProgress
        /// Not assigned yet (at or after the next xid to be assigned).
        case future
        /// Too old for the commit log, or the server cannot say (before PostgreSQL 13).
        case unknown(String)
    }

    /// Whether the connecting role is a superuser (may publish `FOR ALL TABLES`).
    func isSuperuser() async throws -> Bool {
        try await run { connection in
            try connection.query("SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user").first?.first == "true"
        }
    }

    /// The ordinary and partitioned tables outside the system schemas that the role owns, as `schema.table`.
    func ownedTables() async throws -> [String] {
        try await run { connection in
            try connection.query(
                """
                SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND pg_has_role(c.relowner, 'USAGE')
                  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
                  AND position('.' IN n.nspname) = 0
                ORDER BY 1
                """
            ).compactMap { $0.first ?? nil }
        }
    }

    /// `CREATE PUBLICATION name FOR ALL TABLES` (`name` is `[a-z0-9_]+`, checked by the caller).
    func createPublicationForAllTables(_ name: String) async throws {
        try await run { connection in
            _ = try connection.query("CREATE PUBLICATION \(name) FOR ALL TABLES")
        }
    }

    /// Drops the `qactl_tail_…` publications this role may drop that were made
    /// over a minute before `now` and have no slot of the same name: their tail
    /// is gone (a running tail's temporary slot shares its publication's name;
    /// a tail just starting has its publication for a moment before its slot).
    /// Returns the names dropped.
    func dropAbandonedPublications(now: Date) async throws -> [String] {
        try await run { connection in
            let candidates = try connection.query(
                """
                SELECT p.pubname FROM pg_publication p
                WHERE p.pubname LIKE 'qactl\\_tail\\_%' AND pg_has_role(p.pubowner, 'USAGE')
                  AND NOT EXISTS (SELECT 1 FROM pg_replication_slots s WHERE s.slot_name = p.pubname)
                """
            ).compactMap { $0.first ?? nil }
            var dropped: [String] = []
            for name in candidates {
                // The name is checked to be one qactl made ([a-z0-9_]) before it is put in SQL.
                guard let made = ReplicationTail.creationTime(ofName: name), now.timeIntervalSince(made) > 60 else { continue }
                if (try? connection.query("DROP PUBLICATION IF EXISTS \(name)")) != nil { dropped.append(name) }
            }
            return dropped
        }
    }

    /// Primary-key columns of every user table, in key order, by the name
    /// the change feed gives tables (`table` in `public`, else `schema.table`).
    func primaryKeys() async throws -> [String: [String]] {
        let rows = try await run { connection in
            try connection.query(
                """
                SELECT n.nspname, c.relname, a.attname
                FROM pg_index i
                JOIN pg_class c ON c.oid = i.indrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position) ON true
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                WHERE i.indisprimary AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                ORDER BY n.nspname, c.relname, k.position
                """)
        }
        var keys: [String: [String]] = [:]
        for row in rows {
            guard row.count == 3, let schema = row[0], let table = row[1], let column = row[2] else { continue }
            keys[schema == "public" ? table : schema + "." + table, default: []].append(column)
        }
        return keys
    }

    /// Whether the transaction with 32-bit `xid` committed, was rolled back,
    /// is running or has not started; the 64-bit id is taken in the epoch that
    /// puts it just before the next xid to be assigned.
    func status(ofXid xid: UInt32) async throws -> TransactionStatus {
        try await run { connection in
            let next = try connection.query("SELECT pg_snapshot_xmax(pg_current_snapshot())::text").first?.first ?? nil
            guard let next = next.flatMap(UInt64.init) else { return .unknown("the server did not report its next xid") }
            guard let full = Self.fullXid(xid, next: next) else { return .future }
            let status = try connection.query("SELECT pg_xact_status($1::text::xid8)", [String(full)]).first?.first ?? nil
            switch status {
            case "committed": return .committed
            case "aborted": return .aborted
            case "in progress": return .inProgress
            default: return .unknown("its status is no longer kept (xid \(full) is too old)")
            }
        }
    }

    /// The 64-bit xid that 32-bit `xid` stands for when `next` is the next xid
    /// to be assigned: the one at most 2³¹ before it; nil when `xid` is not assigned yet.
    static func fullXid(_ xid: UInt32, next: UInt64) -> UInt64? {
        let back = UInt32(truncatingIfNeeded: next) &- xid
        guard back != 0, back <= 1 << 31, UInt64(back) <= next else { return nil }
        return next - UInt64(back)
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable (CatalogConnection) throws -> T) async throws -> T {
        let url = url
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result {
                    let connection = try CatalogConnection.connect(url: url)
                    defer { connection.close() }
                    return try body(connection)
                })
            }
            thread.name = "qactl-tail-catalog"
            thread.start()
        }
    }
}
