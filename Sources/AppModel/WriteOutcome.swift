/// What a write route did.
public enum WriteOutcome<Row: Sendable>: Sendable {
    /// Written now, in transaction `txid`.
    case created(Row, txid: UInt64)
    /// The same request was already carried out: its original result, nothing written.
    case repeated(Row, txid: UInt64)
    /// The id is taken by another user's row, or by a different request.
    case conflict(String)
    /// The caller may not write there (not their conversation).
    case forbidden
}
