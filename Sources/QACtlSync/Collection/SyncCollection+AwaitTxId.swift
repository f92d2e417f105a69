/// One caller of ``SyncCollection/awaitTxId(_:timeout:)``.
struct TxIdWaiter {
    let txid: UInt64
    let timeout: Duration
    /// Txids applied while waiting: for the timeout's error message.
    var seenMeanwhile: [UInt64] = []
    let continuation: CheckedContinuation<Void, any Error>
    var timer: Task<Void, Never>?
}

extension SyncCollection {
    /// Returns once transaction `txid` has synced back: a change carrying it
    /// arrived in a batch closed by an up-to-date (applied, or held to be applied
    /// together with the transaction that waits for it), or a `snapshot-end`
    /// shows it already visible (32-bit xids compared epoch-aware).
    /// Throws ``TxIdTimeoutError`` (listing the txids seen meanwhile) after `timeout`.
    ///
    /// ```swift
    /// let txid = try await api.sendQuestion(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "Why?")
    /// try await messages.awaitTxId(txid)
    /// ```
    public func awaitTxId(_ txid: UInt64, timeout: Duration = .seconds(5)) async throws {
        try await awaitTxId(txid, timeout: timeout, since: batchCount)
    }

    /// Like ``awaitTxId(_:timeout:)``, counting as "seen meanwhile" the txids of
    /// batches after the `since`-th (a transaction waits from when it began persisting).
    func awaitTxId(_ txid: UInt64, timeout: Duration, since: Int) async throws {
        if isConfirmed(txid) { return }
        let waiter = nextWaiterID
        nextWaiterID += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                guard !Task.isCancelled else {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                var entry = TxIdWaiter(txid: txid, timeout: timeout, seenMeanwhile: txids(since: since), continuation: continuation)
                entry.timer = Task { [weak self] in
                    do {
                        try await Task.sleep(for: timeout)
                    } catch {
                        return
                    }
                    await self?.expireWaiter(waiter)
                }
                waiters[waiter] = entry
            }
        } onCancel: {
            Task { await self.cancelWaiter(waiter) }
        }
    }

    /// After a batch: note its txids for every waiter and release the confirmed ones.
    func settleWaiters(after batch: ShapeBatch) {
        guard !waiters.isEmpty else { return }
        var arrived: [UInt64] = []
        for txid in batch.changes.flatMap(\.txids) where !arrived.contains(txid) { arrived.append(txid) }
        for (id, var waiter) in waiters {
            if isConfirmed(waiter.txid) {
                waiters[id] = nil
                waiter.timer?.cancel()
                waiter.continuation.resume()
            } else {
                waiter.seenMeanwhile += arrived
                waiters[id] = waiter
            }
        }
    }

    private func expireWaiter(_ id: Int) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        waiter.continuation.resume(
            throwing: TxIdTimeoutError(txid: waiter.txid, timeout: waiter.timeout, seenMeanwhile: waiter.seenMeanwhile))
    }

    private func cancelWaiter(_ id: Int) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume(throwing: CancellationError())
    }
}
