/// How a tail that succeeded ended (exit status 0).
public enum TailOutcome: Sendable, Equatable {
    /// A signal (or cancellation) ended the tail while it was only following.
    case stopped
    /// `--await`'s txid was seen, or was already visible or committed when the tail started.
    case awaited(txid: UInt64, evidence: AwaitEvidence)
}

/// How `--await` learnt that its transaction is there.
public enum AwaitEvidence: String, Sendable, Equatable {
    /// A change carrying the txid arrived.
    case change
    /// A shape's `snapshot-end` bounds show the txid as already visible.
    case snapshot
    /// PostgreSQL reports the transaction committed before the slot existed (`pg_xact_status`).
    case committed
}
