import Foundation

/// A write waiting in a replica's outbox: stored before its API call, sent in
/// ``sequence`` order, removed once the server has it.
///
/// ```swift
/// let entry = try replica.enqueue(
///     operation: "questions/send", key: "q-1",
///     payload: ["conversationId": "c-1", "questionId": "q-1", "answerId": "a-1", "content": "Why?"],
///     collection: "messages:c-1", rows: [question, placeholder])
/// ```
public struct OutboxEntry: Sendable, Hashable {
    /// The write's idempotency key: the server answers a repeat of it with the
    /// original txid, so sending it again after a lost response is harmless.
    public let key: String
    /// Its place in the send order (FIFO).
    public let sequence: Int64
    /// What to call; the application's deliver function reads it.
    public let operation: String
    /// The request's fields.
    public let payload: [String: String]
    /// The collection that shows ``rows`` optimistically until the write syncs back.
    public let collection: String
    /// Rows to show (as inserts) while the write waits.
    public let rows: [Row]
    /// Failed attempts so far.
    public let attempts: Int
    /// Why the last attempt failed, if one did.
    public let lastError: String?
    /// When the write was queued.
    public let enqueuedAt: Date
}

/// A write the server refused for good (400, 401 after a token refresh, 403,
/// 409, 422): out of the outbox, its optimistic rows rolled back, kept here
/// until the application clears it.
public struct DeadLetter: Sendable, Equatable {
    /// The write as it was queued.
    public let entry: OutboxEntry
    /// The refusal.
    public let error: APIError
    /// When it was refused.
    public let failedAt: Date
}

/// A write ended in the dead-letter list: what ``OutboxSender/delivery(of:)``
/// throws for it.
public struct OutboxRefusedError: SyncClientError, Equatable {
    /// The write's idempotency key.
    public let key: String
    /// The server's refusal.
    public let error: APIError

    public var code: String { "outbox_refused" }
    public var message: String { "the server refused write \(key): \(error.message) (\(error.code), HTTP \(error.status))" }
}

/// A key the outbox does not know: never queued here, or already delivered before this process started.
public struct OutboxUnknownKeyError: SyncClientError, Equatable {
    /// The key asked about.
    public let key: String

    public var code: String { "outbox_unknown_key" }
    public var message: String { "no queued or refused write has key \(key)" }
}
