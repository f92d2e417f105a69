/// What happened to a queued write, as ``OutboxSender/events()`` reports it.
public enum OutboxEvent: Sendable, Equatable {
    /// The server has the write, in transaction `txid`.
    case delivered(key: String, txid: UInt64)
    /// An attempt failed; the write is tried again after `delay`.
    case retrying(key: String, attempt: Int, delay: Duration, error: String)
    /// The server refused the write for good.
    case deadLettered(DeadLetter)
    /// The outbox's file could not be read or written; the sender tries again after `delay`.
    case storageFailed(error: String, delay: Duration)
}
