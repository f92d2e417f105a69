/// The rows a collection shows: synced rows with the optimistic changes of
/// active transactions laid over them, in creation order.
///
/// The sync gate: while any transaction is persisting (its mutation function
/// is running or its txid is awaited), synced batches are held, and applied
/// together with dropping the finished transactions' overlays once none is.
/// So a confirmed row is never shown twice, and never vanishes and comes back.
struct CollectionState {
    enum Phase: Equatable {
        case pending, persisting, completed, failed
    }

    struct Entry {
        let id: Int
        var phase: Phase
        var draft: TransactionDraft
    }

    let keyColumns: [String]
    private(set) var synced: [String: Row] = [:]
    private(set) var visible: [String: Row] = [:]
    /// Active (pending, persisting) and completed-but-not-yet-dropped transactions, oldest first.
    private(set) var transactions: [Entry] = []
    private(set) var held: [ShapeBatch] = []
    /// How many batches have been applied (not merely held).
    private(set) var appliedBatches = 0

    init(keyColumns: [String]) {
        self.keyColumns = keyColumns
    }

    /// Keys shown with an optimistic value (or hidden by an optimistic delete).
    var optimisticKeys: Set<String> {
        var keys = Set<String>()
        for entry in transactions where entry.phase != .failed { keys.formUnion(entry.draft.keys) }
        return keys
    }

    var isPersisting: Bool { transactions.contains { $0.phase == .persisting } }

    func phase(of id: Int) -> Phase? { transactions.first { $0.id == id }?.phase }

    /// The collection key of a synced change: from the key columns (always in the
    /// value, even for partial updates and deletes), else Electric's own key.
    func key(of change: ChangeMessage) -> String {
        RowKey.make(change.value, columns: keyColumns) ?? change.key
    }

    // MARK: Synced side

    /// Rows from a saved replica: shown before any network.
    mutating func load(_ rows: [String: Row]) -> Set<String> {
        let touched = Set(synced.keys).union(rows.keys)
        synced = rows
        return refresh(touched)
    }

    /// A batch from the stream: applied now, or held while a transaction persists.
    /// A batch that replaces every row is applied at once (after the held ones).
    mutating func receive(_ batch: ShapeBatch) -> Set<String> {
        held.append(batch)
        if isPersisting && !batch.replacesRows { return [] }
        return openGate()
    }

    /// Applies held batches and drops finished overlays, unless a transaction is still persisting.
    private mutating func openGate() -> Set<String> {
        var touched = Set<String>()
        for batch in held { touched.formUnion(apply(batch)) }
        held = []
        if !isPersisting {
            for entry in transactions where entry.phase == .completed || entry.phase == .failed {
                touched.formUnion(entry.draft.keys)
            }
            transactions.removeAll { $0.phase == .completed || $0.phase == .failed }
        }
        return refresh(touched)
    }

    private mutating func apply(_ batch: ShapeBatch) -> Set<String> {
        var touched = Set<String>()
        if batch.replacesRows {
            touched.formUnion(synced.keys)
            synced = [:]
        }
        for change in batch.changes {
            let key = key(of: change)
            touched.insert(key)
            switch change.operation {
            case .insert:
                synced[key] = change.value
            case .update:
                // An update for a row never inserted (log=changes_only) has nothing to apply to.
                if let existing = synced[key] { synced[key] = existing.merging(change.value) }
            case .delete:
                synced[key] = nil
            }
        }
        appliedBatches += 1
        return touched
    }

    // MARK: Optimistic side

    mutating func add(id: Int, draft: TransactionDraft) -> Set<String> {
        // Every key ever touched: an insert then a delete leaves no change, but the row must go.
        var touched = Set(draft.order)
        if let index = transactions.firstIndex(where: { $0.id == id }) {
            touched.formUnion(transactions[index].draft.order)
            transactions[index].draft = draft
        } else {
            // Creation order (ids grow), not first-mutation order, decides which change wins.
            let position = transactions.firstIndex { $0.id > id } ?? transactions.endIndex
            transactions.insert(Entry(id: id, phase: .pending, draft: draft), at: position)
        }
        return refresh(touched)
    }

    mutating func setPersisting(id: Int) {
        if let index = transactions.firstIndex(where: { $0.id == id }) { transactions[index].phase = .persisting }
    }

    /// The write is confirmed: its overlay goes when the gate opens (now, unless another persists).
    mutating func complete(id: Int) -> Set<String> {
        guard let index = transactions.firstIndex(where: { $0.id == id }) else { return [] }
        transactions[index].phase = .completed
        return openGate()
    }

    /// The write failed: its overlay goes now, with every pending transaction
    /// that touches one of its keys. Returns the changed keys and the cascaded ids.
    mutating func fail(id: Int) -> (touched: Set<String>, cascaded: [Int]) {
        guard let index = transactions.firstIndex(where: { $0.id == id }) else { return ([], []) }
        let keys = Set(transactions[index].draft.keys)
        var touched = keys
        var cascaded: [Int] = []
        transactions[index].phase = .failed
        for other in transactions.indices where transactions[other].phase == .pending {
            let otherKeys = transactions[other].draft.keys
            if !keys.isDisjoint(with: otherKeys) {
                transactions[other].phase = .failed
                touched.formUnion(otherKeys)
                cascaded.append(transactions[other].id)
            }
        }
        let changedByGate = openGate()
        // Failed entries leave the overlay at once, even while another transaction persists.
        transactions.removeAll { $0.phase == .failed }
        return (refresh(touched).union(changedByGate), cascaded)
    }

    // MARK: Visible rows

    /// Recomputes `keys`; returns those whose visible row actually changed.
    private mutating func refresh(_ keys: Set<String>) -> Set<String> {
        var changed = Set<String>()
        for key in keys {
            let row = computed(key)
            if visible[key] != row {
                visible[key] = row
                changed.insert(key)
            }
        }
        return changed
    }

    /// The synced row with each live transaction's change to `key` applied in order.
    private func computed(_ key: String) -> Row? {
        var row = synced[key]
        for entry in transactions where entry.phase != .failed {
            switch entry.draft.changes[key] {
            case .insert(let value)?: row = value
            case .update(let changes)?: row = row?.merging(changes)
            case .delete?: row = nil
            case nil: continue
            }
        }
        return row
    }
}
