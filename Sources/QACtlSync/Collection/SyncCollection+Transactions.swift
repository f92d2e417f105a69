/// The life of a ``Transaction``.
public enum TransactionState: String, Sendable, Hashable {
    /// Accepting mutations; its changes are shown optimistically.
    case pending
    /// `commit()` is running the mutation function or awaiting the txid.
    case persisting
    /// Confirmed: the server's rows replaced the optimistic ones.
    case completed
    /// Rolled back: its optimistic changes are gone.
    case failed
}

extension SyncCollection {
    /// Adds `draft`'s changes to transaction `id` (after those staged before) and shows them.
    func stage(_ id: Int, _ draft: TransactionDraft) throws {
        try requirePending(id)
        let earlier = state.transactions.first { $0.id == id }?.draft
        emit(state.add(id: id, draft: earlier?.followed(by: draft) ?? draft))
    }

    /// Moves transaction `id` to persisting: synced batches are held from now on.
    /// Returns the batch count to wait from, or nil when it has nothing to
    /// persist (it is then completed at once).
    func beginPersisting(_ id: Int) throws -> Int? {
        try requirePending(id)
        guard state.phase(of: id) != nil else {
            finished[id] = (.completed, nil)
            return nil
        }
        state.setPersisting(id: id)
        return batchCount
    }

    /// The write synced back: drop the overlay together with the held batches.
    func complete(_ id: Int) {
        finished[id] = (.completed, nil)
        emit(state.complete(id: id))
    }

    /// The write failed: roll it back, and the pending transactions that share a key with it.
    func fail(_ id: Int, because error: any Error) {
        finished[id] = (.failed, nil)
        let (changed, cascaded) = state.fail(id: id)
        for other in cascaded {
            finished[other] = (
                .failed,
                TransactionError(.rolledBack, "rolled back because transaction \(id), which touched the same rows, failed: \(error)")
            )
        }
        emit(changed)
    }

    /// Rolls back a transaction that has not started persisting.
    func rollBack(_ id: Int) throws {
        guard finished[id] == nil else {
            throw TransactionError(.notPending, "transaction \(id) is already \(transactionState(id).rawValue)")
        }
        if state.phase(of: id) == .persisting {
            throw TransactionError(.notPending, "transaction \(id) is persisting; its commit decides its fate")
        }
        fail(id, because: TransactionError(.rolledBack, "transaction \(id) was rolled back"))
    }

    func transactionState(_ id: Int) -> TransactionState {
        if let (outcome, _) = finished[id] { return outcome }
        switch state.phase(of: id) {
        case .persisting?: return .persisting
        case .completed?: return .completed
        case .failed?: return .failed
        case .pending?, nil: return .pending
        }
    }

    private func requirePending(_ id: Int) throws {
        if let (outcome, cause) = finished[id] {
            throw cause ?? TransactionError(.notPending, "transaction \(id) is already \(outcome.rawValue)")
        }
        if let phase = state.phase(of: id), phase != .pending {
            throw TransactionError(.notPending, "transaction \(id) is already \(phase)")
        }
    }
}
