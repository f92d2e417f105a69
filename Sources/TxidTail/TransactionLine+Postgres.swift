import Foundation
import SyncModel

extension TransactionLine {
    /// The line for a transaction from PostgreSQL's replication stream: its
    /// 32-bit xid, commit LSN, counts, tables and keys, and the delay from its
    /// commit timestamp to `now`. The delay is negative when the database's
    /// clock runs ahead of this machine's.
    public init(_ transaction: CommittedTransaction, keys: RowKeys, now: Date = Date()) {
        let changes = transaction.changes
        let delay = transaction.committedAtMilliseconds.map { Int64((now.timeIntervalSince1970 * 1000).rounded()) - $0 }
        self.init(
            source: .postgres, txid: transaction.txid, lsn: transaction.lsn,
            inserts: changes.count { $0.operation == .insert }, updates: changes.count { $0.operation == .update },
            deletes: changes.count { $0.operation == .delete }, tables: ShapeTransactions.unique(changes.map(\.table)),
            keys: ShapeTransactions.unique(changes.map(keys.key(for:))), delayMilliseconds: delay)
    }
}
