/// What the outbox does after a failed attempt: a pure decision, so it is
/// tested on values.
///
/// Network errors, timeouts, 408, 429 and 5xx (503 included) are retried with
/// exponential backoff and jitter, never sooner than the server's
/// `retry-after`. A 401 is retried once at once (the deliver function asks
/// for a fresh token each call); a second 401 in a row, and 400, 403, 404,
/// 409, 413, 422 and anything else that says "this request will never
/// succeed", move the write to the dead letters.
///
/// ```swift
/// let policy = OutboxRetryPolicy()                  // 1 s · 2ⁿ, capped at 60 s
/// policy.decision(after: error, attempt: 3, previousWasUnauthorized: false)
/// ```
public struct OutboxRetryPolicy: Sendable, Hashable {
    /// What to do with the write.
    public enum Decision: Sendable, Hashable {
        /// Try the same write again after this long.
        case retry(after: Duration)
        /// Give up on it: roll it back and keep it in the dead letters.
        case deadLetter
    }

    /// The waits between attempts.
    public var backoff: Backoff

    /// The schedule: the n-th retry waits up to 1 s · 2ⁿ, at most 60 s.
    public init(backoff: Backoff = Backoff(initialDelay: .seconds(1), maxDelay: .seconds(60))) {
        self.backoff = backoff
    }

    /// The decision after attempt number `attempt` (0 for the first) failed with `error`.
    /// Errors that are not an ``APIError`` (the deliver function failed on its own) are retried.
    public func decision(after error: any Error, attempt: Int, previousWasUnauthorized: Bool) -> Decision {
        guard let error = error as? APIError else { return .retry(after: backoff.delay(attempt: attempt)) }
        if error.status == 401 { return previousWasUnauthorized ? .deadLetter : .retry(after: .zero) }
        if error.isTransient || error.kind == .invalidResponse {
            return .retry(after: backoff.delay(attempt: attempt, retryAfter: error.retryAfter))
        }
        return .deadLetter
    }
}
