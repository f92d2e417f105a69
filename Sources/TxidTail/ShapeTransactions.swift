import QACtlSync

/// Splits a ``ShapeBatch`` into the lines it prints: the snapshot rows (no
/// txid) as one summary, and each transaction's changes as one line.
///
/// Changes of one transaction are consecutive in the log and share its `lsn`
/// and `txids`; a new `lsn` or `txids` starts the next transaction.
public struct ShapeTransactions: Sendable, Equatable {
    /// The snapshot's summary, when the batch began at offset `-1`.
    public let snapshot: SnapshotLine?
    /// One line per transaction, in log order.
    public let transactions: [TransactionLine]

    /// Reads `batch`; keys come from its schema (``ShapeKeys``).
    public init(_ batch: ShapeBatch, table: String) {
        let keys = ShapeKeys(schema: batch.position.schema)
        var snapshotRows: [ChangeMessage] = []
        var groups: [[ChangeMessage]] = []
        for change in batch.changes {
            // Snapshot rows carry only operation and relation (§4).
            if change.txids.isEmpty && change.lsn == nil {
                snapshotRows.append(change)
            } else if let last = groups.last?.last, last.lsn == change.lsn, last.txids == change.txids {
                groups[groups.count - 1].append(change)
            } else {
                groups.append([change])
            }
        }
        if batch.replacesRows || !snapshotRows.isEmpty || !batch.snapshots.isEmpty {
            snapshot = SnapshotLine(
                rows: snapshotRows.count, tables: [table], keys: Self.unique(snapshotRows.map(keys.key(for:))),
                bounds: batch.snapshots.last)
        } else {
            snapshot = nil
        }
        transactions = groups.map { Self.line($0, table: table, keys: keys) }
    }

    private static func line(_ changes: [ChangeMessage], table: String, keys: ShapeKeys) -> TransactionLine {
        let first = changes[0]
        let last = changes[changes.count - 1]
        let lsn = first.lsn.flatMap { UInt64($0) }
        let offset = lsn.map { lsn in "\(lsn)_\(last.opPosition ?? 0)" }
        let tables = unique(changes.compactMap { $0.relation?.last })
        return TransactionLine(
            source: .shape, txid: first.txids.first, txids: first.txids, offset: offset, lsn: lsn,
            inserts: changes.count { $0.operation == .insert }, updates: changes.count { $0.operation == .update },
            deletes: changes.count { $0.operation == .delete }, tables: tables.isEmpty ? [table] : tables,
            keys: unique(changes.map(keys.key(for:))))
    }

    /// `values` without repeats, first occurrence kept.
    static func unique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }
}
