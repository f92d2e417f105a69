import Foundation
import GRDB
import ShapeWire
import SyncModel

extension SQLiteDatabase {
    /// The newest change's sequence (0 when there is none).
    public func lastSequence() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce((SELECT max(seq) FROM _qactl_changes), (SELECT seq FROM sqlite_sequence WHERE name = '_qactl_changes'))")) ?? 0 }
    }

    /// The newest commit position: SQLite's commit sequence is its txid.
    public func lastLSN() async throws -> UInt64 { try await lastTxid() }

    /// The newest transaction id (0 when there is none).
    public func lastTxid() async throws -> UInt64 {
        try await pool.read { db in UInt64(try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(txid) FROM _qactl_tx")) ?? 0) }
    }

    /// Whole committed transactions with changes after `sequence`, in commit order.
    ///
    /// At most about `limit` changes are read, but a transaction is never split:
    /// one larger than `limit` is returned alone, whole.
    public func transactions(afterSequence sequence: Int64, limit: Int) async throws -> [CommittedTransaction] {
        try await pool.read { db in try Self.transactions(db, afterSequence: sequence, limit: limit) }
    }

    /// What this process's group commits wrote last (see ``RecentTransactions``).
    public func recentTransactions(afterSequence sequence: Int64, limit: Int) -> [CommittedTransaction]? {
        recent.transactions(afterSequence: sequence, limit: limit)
    }

    static func transactions(_ db: Database, afterSequence sequence: Int64, limit: Int) throws -> [CommittedTransaction] {
        // The commit time comes with each change (one query, not one per transaction).
        let columns = "c.seq, c.txid, c.tbl, c.op, c.old_row, c.new_row, t.committed_ms FROM _qactl_changes c JOIN _qactl_tx t ON t.txid = c.txid"
        var rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT \(columns) WHERE c.seq > ? ORDER BY c.seq LIMIT ?"),
            arguments: [sequence, limit])
        if rows.count == limit, let lastTxid = rows.last?[1] as Int64? {
            if rows.first?[1] as Int64? == lastTxid {
                // One transaction fills the batch: read all of it.
                rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT \(columns) WHERE c.seq > ? AND c.txid = ? ORDER BY c.seq"),
                    arguments: [sequence, lastTxid])
            } else {
                // The last transaction may continue past the batch: leave it for the next read.
                rows.removeAll { ($0[1] as Int64) == lastTxid }
            }
        }
        return try group(rows, db: db)
    }

    /// Groups consecutive changes of one txid into transactions.
    private static func group(_ rows: [Row], db: Database) throws -> [CommittedTransaction] {
        var transactions: [CommittedTransaction] = []
        var index = 0
        while index < rows.count {
            let txid: Int64 = rows[index][1]
            var end = index
            while end < rows.count, (rows[end][1] as Int64) == txid { end += 1 }
            // Op positions count from the transaction's first change. A txid's
            // changes are contiguous, so only the batch's first group can have
            // started in an earlier read; later groups start here.
            let batchFirst: Int64 = rows[index][0]
            let first = index == 0
                ? try Int64.fetchOne(db.cachedStatement(sql: "SELECT min(seq) FROM _qactl_changes WHERE txid = ?"), arguments: [txid]) ?? batchFirst
                : batchFirst
            let committed: Int64? = rows[index][6]
            let changes = try rows[index..<end].map { row -> RowChange in
                let seq: Int64 = row[0]
                let table: String = row[2]
                let operation = RowChange.Operation(rawValue: row[3]) ?? .update
                return RowChange(
                    table: table, operation: operation,
                    old: try decodeRow(row[4]), new: try decodeRow(row[5]),
                    opPosition: (seq - first) * 2, sequence: seq)
            }
            transactions.append(CommittedTransaction(txid: UInt64(txid), lsn: UInt64(txid), committedAtMilliseconds: committed, changes: changes))
            index = end
        }
        return transactions
    }

    static func decodeRow(_ json: String?) throws -> [String: String?]? {
        guard let json else { return nil }
        if let row = FlatJSONObject.parse(json) { return row }
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw StoreError(.corrupt, "a change log row is not a JSON object")
        }
        var row: [String: String?] = [:]
        for (column, value) in object {
            switch value {
            case let text as String: row[column] = .some(text)
            case is NSNull: row[column] = .some(nil)
            // Values written by other programs may not be text: keep their text form.
            case let number as NSNumber: row[column] = .some(number.stringValue)
            default: row[column] = .some("\(value)")
            }
        }
        return row
    }

    /// Marks transactions that other programs left open as complete, so that the
    /// next external write gets a txid of its own.
    public func closeExternalTransactions() async throws {
        try await pool.write { db in
            try db.cachedStatement(sql: "UPDATE _qactl_tx SET open = 0 WHERE open = 1 AND origin = 'external'").execute()
        }
    }
}

extension SQLiteDatabase {
    /// Closes transactions other programs left open (see ``closeExternalTransactions()``).
    public func whenCaughtUp() async throws {
        if try await hasOpenExternalTransaction() { try await closeExternalTransactions() }
    }

    /// Whether another program's transaction is still marked open.
    public func hasOpenExternalTransaction() async throws -> Bool {
        try await pool.read { db in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM _qactl_tx WHERE open = 1 AND origin = 'external')")) ?? false
        }
    }
}
