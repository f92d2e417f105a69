extension SyncCollection {
    /// A transaction for a write queued in an outbox: its changes show at once
    /// and stay, however long the write waits, until ``Transaction/commit()``
    /// has the delivery's txid synced back (or `delivery` throws, which rolls
    /// them back). While it waits it does not hold synced batches; only the
    /// wait for its txid (at most `timeout`) does.
    ///
    /// ```swift
    /// let entry = try replica.enqueue(operation: "questions/send", key: "q-1", payload: payload, collection: messages.id, rows: rows)
    /// let send = messages.queuedTransaction { try await sender.delivery(of: entry.key) }
    /// try await send.mutate { draft in for row in entry.rows { try draft.insert(row) } }
    /// try await send.commit()
    /// ```
    public nonisolated func queuedTransaction(
        timeout: Duration = .seconds(5), _ delivery: @escaping @Sendable () async throws -> UInt64
    ) -> Transaction {
        Transaction(id: newTransactionID(), collection: self, timeout: timeout, waitsPending: true) { _ in [try await delivery()] }
    }
}
