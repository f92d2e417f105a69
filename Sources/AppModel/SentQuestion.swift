/// What `POST /questions/send` wrote: the answer placeholder's id, and where
/// the write stands in commit order.
public struct SentQuestion: Sendable, Equatable {
    public let answerID: String
    /// A commit position no later than the write's own and later than every
    /// transaction committed before it (SQLite: the txid; PostgreSQL: the WAL
    /// insert position read inside the write). A client whose stream's
    /// `global_last_seen_lsn` reaches it sees everything committed before the
    /// write, and the write. Nil for a repeat (nothing was written now).
    public let position: UInt64?

    public init(answerID: String, position: UInt64?) {
        self.answerID = answerID
        self.position = position
    }
}
