/// One row change of a committed transaction, with the row before and after it
/// as Postgres text values (nil values are SQL NULL).
public struct RowChange: Sendable {
    public enum Operation: String, Sendable {
        case insert, update, delete
    }

    public let table: String
    public let operation: Operation
    /// Set for updates and deletes.
    public let old: [String: String?]?
    /// Set for inserts and updates.
    public let new: [String: String?]?
    /// The change's op index in its transaction (0, 2, 4, …).
    public let opPosition: Int64
    /// The store's global position of this change; snapshots record the last one they include.
    public let sequence: Int64

    public init(table: String, operation: Operation, old: [String: String?]?, new: [String: String?]?, opPosition: Int64, sequence: Int64) {
        self.table = table
        self.operation = operation
        self.old = old
        self.new = new
        self.opPosition = opPosition
        self.sequence = sequence
    }
}

/// A committed transaction as the change feed hands it on: whole, in commit order.
public struct CommittedTransaction: Sendable {
    /// The id returned to the writer (`txids` on the wire).
    public let txid: UInt64
    /// The commit position (`lsn`, the `tx` part of offsets). Monotonic in commit order.
    public let lsn: UInt64
    /// Commit time in milliseconds since 1970, when known.
    public let committedAtMilliseconds: Int64?
    public let changes: [RowChange]

    public init(txid: UInt64, lsn: UInt64, committedAtMilliseconds: Int64?, changes: [RowChange]) {
        self.txid = txid
        self.lsn = lsn
        self.committedAtMilliseconds = committedAtMilliseconds
        self.changes = changes
    }
}

/// The rows of a table as of one moment, with the bounds that tell which
/// transactions the snapshot already holds.
public struct TableSnapshot: Sendable {
    public let rows: [[String: String?]]
    /// Which committed transactions `rows` already reflect.
    public let visibility: SnapshotVisibility
    /// The commit position of the newest transaction known at the snapshot.
    public let lsn: UInt64
    public let xmin: UInt64
    public let xmax: UInt64
    public let xip: [UInt64]

    public init(rows: [[String: String?]], visibility: SnapshotVisibility, lsn: UInt64, xmin: UInt64, xmax: UInt64, xip: [UInt64]) {
        self.rows = rows
        self.visibility = visibility
        self.lsn = lsn
        self.xmin = xmin
        self.xmax = xmax
        self.xip = xip
    }
}
