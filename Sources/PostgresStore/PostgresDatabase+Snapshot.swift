import PostgresNIO
import ShapeWhere
import ShapeWire
import SyncModel

extension PostgresDatabase {
    /// The rows `query` selects, read in one REPEATABLE READ transaction
    /// together with `pg_current_snapshot()` (its bounds tell which replicated
    /// transactions the rows already contain) and the WAL position then.
    func snapshot(of table: TableSchema, query: SnapshotQuery) async throws -> TableSnapshot {
        try await guarded("taking a snapshot", timeout: nil) { [self] in
            let logger = self.logger
            return try await client.withConnection { connection in
                try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                do {
                    // The text forms Electric sends (and the replication connection uses).
                    for setting in ["TimeZone = 'UTC'", "DateStyle = 'ISO, DMY'", "IntervalStyle = 'iso_8601'", "extra_float_digits = 1"] {
                        try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL " + setting), logger: logger)
                    }
                    let position = try await connection.query(
                        "SELECT pg_current_snapshot()::text, (pg_current_wal_lsn() - '0/0'::pg_lsn)::text", logger: logger
                    ).decode((String, String).self).first { _ in true }
                    let (xmin, xmax, xip) = try Self.parseSnapshot(position?.0 ?? "")
                    let lsn = UInt64(position?.1 ?? "") ?? 0
                    var rows = query.collector()
                    if query.includeRows {
                        let names = table.columnNames
                        var sql = "SELECT " + names.map { "\"\($0)\"::text" }.joined(separator: ", ") + " FROM \"\(table.schema)\".\"\(table.name)\""
                        var bindings = PostgresBindings()
                        if let filter = query.filter {
                            sql += " WHERE " + filter.sql
                            bindings = Self.binds(filter.bindings)
                        }
                        if let orderBy = query.orderBy { sql += " ORDER BY " + orderBy }
                        if query.pushesLimitDown {
                            if let limit = query.limit { sql += " LIMIT \(limit)" }
                            if query.offset > 0 { sql += " OFFSET \(query.offset)" }
                        }
                        // Read to the end even once the limit is reached: the
                        // connection must drain the result before COMMIT.
                        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
                            guard rows.wantsMore else { continue }
                            var values: [String: String?] = [:]
                            values.reserveCapacity(names.count)
                            for (name, cell) in zip(names, row) {
                                values[name] = .some(try cell.decode(String?.self))
                            }
                            rows.offer(values)
                        }
                    }
                    try await connection.query("COMMIT", logger: logger)
                    return TableSnapshot(
                        rows: rows.rows, visibility: .transactions(xmin: xmin, xmax: xmax, xip: xip), lsn: lsn, xmin: xmin, xmax: xmax, xip: xip)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }

    /// `xmin:xmax:xip1,xip2` → the three parts.
    static func parseSnapshot(_ text: String) throws -> (UInt64, UInt64, [UInt64]) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let xmin = UInt64(parts[0]), let xmax = UInt64(parts[1]) else {
            throw StoreError(.corrupt, "unexpected pg_current_snapshot() value \(text)")
        }
        let xip = parts[2].split(separator: ",").compactMap { UInt64($0) }
        return (xmin, xmax, xip)
    }
}
