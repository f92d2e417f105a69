/// One caller of ``SyncCollection/awaitPosition(_:timeout:)``.
struct PositionWaiter {
    let position: UInt64
    let timeout: Duration
    let continuation: CheckedContinuation<Void, any Error>
    var timer: Task<Void, Never>?
}

extension SyncCollection {
    /// Returns once this collection has received everything committed up to
    /// commit position `position`: an up-to-date's `global_last_seen_lsn` has
    /// reached it. The read-your-writes barrier for writes that are not in
    /// this shape, or made by another client: wait for the position a write
    /// returned (``APIClient/WriteReceipt/position``), here or anywhere it was passed on.
    ///
    /// ```swift
    /// let receipt = try await api.sendQuestionReceipt(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "Why?")
    /// try await conversations.awaitPosition(receipt.position ?? 0)   // its updated_at is in
    /// ```
    ///
    /// A shape nothing is written to answers its live request only when the
    /// server's long-poll ends (20 s), so a barrier there can take that long.
    /// Throws ``PositionTimeoutError`` after `timeout`.
    public func awaitPosition(_ position: UInt64, timeout: Duration = .seconds(30)) async throws {
        if lastSeenPosition >= position { return }
        let waiter = nextWaiterID
        nextWaiterID += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                guard !Task.isCancelled else {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                var entry = PositionWaiter(position: position, timeout: timeout, continuation: continuation)
                entry.timer = Task { [weak self] in
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    await self?.expirePositionWaiter(waiter)
                }
                positionWaiters[waiter] = entry
            }
        } onCancel: {
            Task { await self.cancelPositionWaiter(waiter) }
        }
    }

    /// After a batch: release the waiters whose position has been reached.
    func settlePositionWaiters() {
        for (id, waiter) in positionWaiters where lastSeenPosition >= waiter.position {
            positionWaiters[id] = nil
            waiter.timer?.cancel()
            waiter.continuation.resume()
        }
    }

    private func expirePositionWaiter(_ id: Int) {
        guard let waiter = positionWaiters.removeValue(forKey: id) else { return }
        waiter.continuation.resume(
            throwing: PositionTimeoutError(position: waiter.position, timeout: waiter.timeout, lastSeen: lastSeenPosition))
    }

    private func cancelPositionWaiter(_ id: Int) {
        guard let waiter = positionWaiters.removeValue(forKey: id) else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume(throwing: CancellationError())
    }
}

/// ``SyncCollection/awaitPosition(_:timeout:)`` gave up: no up-to-date reached the position in time.
public struct PositionTimeoutError: SyncClientError, Equatable {
    /// The commit position waited for.
    public let position: UInt64
    /// How long it waited.
    public let timeout: Duration
    /// The highest `global_last_seen_lsn` received by then (0 for none).
    public let lastSeen: UInt64

    public var code: String { "position_timeout" }

    public var message: String {
        "commit position \(position) was not reached within \(timeout); the stream's last up-to-date was at \(lastSeen)"
    }
}
