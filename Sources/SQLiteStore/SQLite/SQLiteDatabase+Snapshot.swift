import Foundation
import GRDB
import ShapeWhere
import ShapeWire
import SyncModel

extension SQLiteDatabase {
    /// Every row of `table` passing `filter` (a convenience for tests and tools).
    public func snapshot(of table: TableSchema, filter: SQLFilter?) async throws -> TableSnapshot {
        try await snapshot(of: table, query: SnapshotQuery(filter: filter, keep: nil))
    }

    /// The rows `query` selects, read in one read transaction together with
    /// the change-log position they reflect.
    ///
    /// Commits are serial in SQLite, so `xmin = xmax =` the next txid and no
    /// transaction is in progress from the snapshot's point of view.
    public func snapshot(of table: TableSchema, query: SnapshotQuery) async throws -> TableSnapshot {
        try await pool.read { db in
            let lastSequence = try Int64.fetchOne(db, sql: "SELECT coalesce((SELECT max(seq) FROM _qactl_changes), (SELECT seq FROM sqlite_sequence WHERE name = '_qactl_changes'))") ?? 0
            let lastTxid = UInt64(try Int64.fetchOne(db, sql: "SELECT max(txid) FROM _qactl_tx") ?? 0)
            func snapshot(_ rows: [[String: String?]]) -> TableSnapshot {
                TableSnapshot(rows: rows, visibility: .sequence(lastSequence), lsn: lastTxid, xmin: lastTxid + 1, xmax: lastTxid + 1, xip: [])
            }
            guard query.includeRows else { return snapshot([]) }
            let columns = table.columnNames.map { "\"\($0)\"" }.joined(separator: ", ")
            var sql = "SELECT \(columns) FROM \"\(table.name)\""
            var arguments = StatementArguments()
            if let filter = query.filter {
                sql += " WHERE " + filter.sql
                arguments = StatementArguments(filter.bindings.map { $0 as (any DatabaseValueConvertible)? })
            }
            sql += " ORDER BY " + (query.orderBy ?? "rowid")
            if query.pushesLimitDown, query.limit != nil || query.offset > 0 {
                sql += " LIMIT \(query.limit ?? -1) OFFSET \(query.offset)"
            }
            let names = table.columnNames
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            var rows = query.collector()
            while rows.wantsMore, let row = try cursor.next() {
                var values: [String: String?] = [:]
                values.reserveCapacity(names.count)
                for (index, name) in names.enumerated() {
                    values[name] = .some(Self.text(row[index]))
                }
                rows.offer(values)
            }
            return snapshot(rows.rows)
        }
    }

    /// A column value as Postgres-style text (nil for NULL).
    static func text(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .null: nil
        case .string(let text): text
        case .int64(let number): String(number)
        case .double(let number): String(number)
        case .blob(let data): "\\x" + data.map { String(format: "%02x", $0) }.joined()
        }
    }
}
