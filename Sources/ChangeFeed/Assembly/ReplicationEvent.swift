import SyncModel
/// What the PostgreSQL change feed hands on, in commit order.
///
/// A commit produces, in this order: a `relationChanged` for each table whose
/// definition changed in it, the `transaction` (when it changed rows), a
/// `truncate` for each `TRUNCATE` in it, and finally a `checkpoint` with the
/// commit's end LSN. Confirm a checkpoint's LSN (`ReplicationConnection.confirm(lsn:)`)
/// once everything before it is processed: a restart from that LSN then
/// resumes exactly after it.
public enum ReplicationEvent: Sendable {
    /// A committed transaction's row changes, whole.
    case transaction(CommittedTransaction)
    /// `TRUNCATE` of these tables, committed at `lsn` (the commit LSN, as in
    /// `CommittedTransaction.lsn`). Shapes on them must be refetched.
    case truncate(tables: [String], lsn: UInt64)
    /// The table's columns (names or types) changed since the feed last saw
    /// it, or it was dropped and recreated. Shapes on it must be refetched.
    case relationChanged(table: String)
    /// Every transaction committed before `lsn` has been delivered. Sent after
    /// each commit and, while idle, from server keepalives, so that confirming
    /// it lets the server recycle WAL even when no published table changes.
    case checkpoint(lsn: UInt64)
    /// The slot was lost (see `ChangeFeedError.Code.slotLost`) and replaced
    /// by a new one whose stream starts at `lsn`: transactions committed
    /// between the last delivered checkpoint and `lsn` will never arrive.
    /// Everything built from the stream must be rebuilt from a fresh
    /// snapshot (taken now: the new slot already exists). Confirm `lsn`.
    case gap(reason: String, lsn: UInt64)
}
