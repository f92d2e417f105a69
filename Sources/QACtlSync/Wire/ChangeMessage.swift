/// One row change from a shape log, as Electric sends it.
///
/// ```swift
/// for change in batch.changes where change.operation == .insert {
///     print(change.key, change.value["content"] ?? "")
/// }
/// ```
public struct ChangeMessage: Sendable, Hashable {
    /// What happened to the row.
    public enum Operation: String, Sendable, Hashable {
        case insert, update, delete
    }

    /// Electric's row key (`"public"."messages"/"m-1"`); opaque to clients.
    public let key: String
    /// Insert, update or delete.
    public let operation: Operation
    /// Insert: the whole row. Update: the primary key plus the changed columns
    /// (`replica=default`) or the whole new row (`replica=full`). Delete: the
    /// primary key (or the whole old row with `replica=full`).
    public let value: Row
    /// Old values of changed columns (`replica=full` updates only).
    public let oldValue: Row?
    /// Ids of the transaction that wrote this change (live changes only; empty for snapshot rows).
    public let txids: [UInt64]
    /// The commit position (decimal text), when the server sent one.
    public let lsn: String?
    /// Position of the operation inside its transaction, when the server sent one.
    public let opPosition: Int64?
    /// True on the transaction's last change for this shape.
    public let isLast: Bool
    /// `["schema", "table"]`, when the server sent it.
    public let relation: [String]?

    /// A change, as tests and custom streams build one.
    public init(
        key: String, operation: Operation, value: Row, oldValue: Row? = nil, txids: [UInt64] = [],
        lsn: String? = nil, opPosition: Int64? = nil, isLast: Bool = false, relation: [String]? = nil
    ) {
        self.key = key
        self.operation = operation
        self.value = value
        self.oldValue = oldValue
        self.txids = txids
        self.lsn = lsn
        self.opPosition = opPosition
        self.isLast = isLast
        self.relation = relation
    }
}
