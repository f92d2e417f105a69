/// A set of optimistic changes to one collection, shown at once and kept
/// only if the write behind them syncs back.
///
/// ```swift
/// let send = messages.transaction { _ in
///     try await api.sendQuestion(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "Why?")
/// }
/// try await send.mutate { draft in
///     try draft.insert(["id": "q-1", "conversation_id": "c-1", "role": "user", "status": "completed", "content": "Why?"])
///     try draft.insert(["id": "a-1", "conversation_id": "c-1", "role": "assistant", "status": "pending", "content": ""])
/// }
/// try await send.commit()   // rolls back and rethrows on any failure
/// ```
///
/// `commit()` runs the mutation function, then waits (5 s by default) for each
/// txid it returned to sync back. Any error rolls the changes back, along with
/// those of pending transactions touching the same rows, and reaches the caller.
public final class Transaction: Sendable {
    /// Unique within its collection; also the creation order (a later transaction's change to a row wins).
    public let id: Int
    /// The collection its changes show in.
    public let collection: SyncCollection
    /// How long `commit()` waits for the txids to sync back.
    public let timeout: Duration
    private let mutationFunction: @Sendable (Transaction) async throws -> [UInt64]
    /// A queued write's: the mutation function waits for an outbox delivery,
    /// maybe for days, so the transaction stays pending meanwhile and does not
    /// hold synced batches; it persists only while its txid is awaited.
    private let waitsPending: Bool

    init(
        id: Int, collection: SyncCollection, timeout: Duration, waitsPending: Bool = false,
        mutationFunction: @escaping @Sendable (Transaction) async throws -> [UInt64]
    ) {
        self.id = id
        self.collection = collection
        self.timeout = timeout
        self.waitsPending = waitsPending
        self.mutationFunction = mutationFunction
    }

    /// Records changes and shows them at once. May be called several times
    /// before `commit()`; changes to the same row merge.
    ///
    /// `body` runs on the caller's actor (the main actor, in a SwiftUI app), so it
    /// may read that actor's state and need not be `@Sendable`.
    public nonisolated(nonsending) func mutate(_ body: (inout TransactionDraft) throws -> Void) async throws {
        var draft = TransactionDraft(keyColumns: collection.keyColumns)
        try body(&draft)
        try await collection.stage(id, draft)
    }

    /// Persists the changes: runs the mutation function, awaits its txids, then
    /// lets the synced rows replace the optimistic ones in one step. On failure
    /// the changes are rolled back and the error is rethrown (a ``TxIdTimeoutError``,
    /// the API's ``APIError``, or whatever the mutation function threw).
    public func commit() async throws {
        var delivered: [UInt64]?
        if waitsPending {
            do {
                delivered = try await mutationFunction(self)
            } catch {
                await collection.fail(id, because: error)
                throw error
            }
        }
        guard let since = try await collection.beginPersisting(id) else { return }
        do {
            let txids: [UInt64]
            if let delivered { txids = delivered } else { txids = try await mutationFunction(self) }
            let deadline = ContinuousClock.now + timeout
            for txid in txids {
                // One deadline for all: several txids do not stretch the wait.
                try await collection.awaitTxId(txid, timeout: max(.zero, deadline - ContinuousClock.now), since: since)
            }
            await collection.complete(id)
        } catch {
            await collection.fail(id, because: error)
            throw error
        }
    }

    /// Drops the changes of a transaction that has not been committed.
    public func rollback() async throws {
        try await collection.rollBack(id)
    }

    /// Pending, persisting, completed or failed.
    public var state: TransactionState {
        get async { await collection.transactionState(id) }
    }
}
