/// Why a transaction could not be changed, committed or kept.
public struct TransactionError: SyncClientError, Equatable {
    /// The kinds of failure; ``code`` is the raw value.
    public enum Code: String, Sendable {
        /// `mutate` or `commit` on a transaction that is already persisting, completed or failed.
        case notPending = "transaction_not_pending"
        /// Rolled back because an earlier transaction touching the same rows failed.
        case rolledBack = "transaction_rolled_back"
        /// An inserted row lacks the collection's key columns.
        case missingKey = "missing_key"
    }

    /// Which failure.
    public let kind: Code
    public let message: String

    public var code: String { kind.rawValue }

    /// An error of `kind`, explained by `message`.
    public init(_ kind: Code, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// ``SyncCollection/awaitTxId(_:timeout:)`` gave up: no applied batch carried
/// the txid and no snapshot showed it.
///
/// If the write did succeed, the server is not syncing it back to this shape
/// (check that the API reads the txid inside the writing transaction, and that
/// the row matches the shape's `where`); the txids seen meanwhile tell which
/// transactions did arrive.
public struct TxIdTimeoutError: SyncClientError, Equatable {
    /// The txid waited for.
    public let txid: UInt64
    /// How long it waited.
    public let timeout: Duration
    /// Txids of the batches applied while waiting, in arrival order.
    public let seenMeanwhile: [UInt64]

    public var code: String { "txid_timeout" }

    public var message: String {
        let seen = seenMeanwhile.isEmpty ? "none" : seenMeanwhile.map(String.init).joined(separator: ", ")
        return "txid \(txid) did not sync back within \(timeout); txids seen meanwhile: \(seen)"
    }
}
