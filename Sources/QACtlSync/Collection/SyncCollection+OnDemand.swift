import ShapeWire

/// On-demand mode's bookkeeping: which subsets are loaded, and which log
/// changes are already contained in one (Electric's snapshot tracker).
struct OnDemandState {
    struct Snapshot {
        let keys: Set<String>
        let bounds: SnapshotBounds
        let databaseLSN: UInt64?
    }

    /// Subsets loaded (or being loaded): each is asked for once.
    var loaded: Set<SubsetQuery> = []
    var loading: [SubsetQuery: Task<Void, any Error>] = [:]
    /// Subset snapshots a log change may still duplicate.
    var snapshots: [Snapshot] = []
    /// The txid of the last log change applied to each key: a subset read
    /// before it must not roll the row back.
    var lastLogTxid: [String: UInt64] = [:]
}

extension SyncCollection {
    /// How this collection's stream syncs (see ``ShapeStreamConfiguration/SyncMode``).
    public nonisolated var syncMode: ShapeStreamConfiguration.SyncMode { shape?.syncMode ?? .eager }

    /// Loads the rows `subset` selects into the collection (on-demand mode):
    /// one request per distinct subset, however many queries ask for it at
    /// once; later changes to those rows come through the stream. Throws what
    /// the server answered when it refused the subset.
    public func load(_ subset: SubsetQuery) async throws {
        if onDemand.loaded.contains(subset) { return }
        if let loading = onDemand.loading[subset] { return try await loading.value }
        guard let shape else { throw ShapeStreamError(.invalidConfiguration, "collection \(id) has no shape to load a subset from") }
        let stream = ShapeStream(shape, httpClient: httpClient)
        let task = Task {
            let snapshot = try await stream.fetchSubset(subset)
            self.applySubset(snapshot)
        }
        onDemand.loading[subset] = task
        defer { onDemand.loading[subset] = nil }
        do {
            try await task.value
            onDemand.loaded.insert(subset)
        } catch {
            lastError = error
            throw error
        }
    }

    /// Shows a subset's rows, except where the log already brought a newer
    /// version, and remembers the subset so the log's copies of them are dropped.
    private func applySubset(_ snapshot: SubsetSnapshot) {
        var keys = Set<String>()
        var fresh: [ChangeMessage] = []
        for change in snapshot.changes {
            let key = state.key(of: change)
            keys.insert(key)
            if let applied = onDemand.lastLogTxid[key], !snapshot.bounds.isVisible(applied) { continue }
            fresh.append(change)
        }
        onDemand.snapshots.append(.init(keys: keys, bounds: snapshot.bounds, databaseLSN: snapshot.databaseLSN))
        let position = resumePosition ?? ShapePosition(handle: "", offset: .beforeAll)
        apply(ShapeBatch(changes: fresh, replacesRows: false, txids: [], snapshots: [snapshot.bounds], globalLastSeenLSN: nil, position: position))
    }

    /// A stream batch without the changes a loaded subset already showed (a
    /// change of a subset's row by a transaction its snapshot contains).
    /// Snapshots retire once the stream has passed their position.
    func screen(_ batch: ShapeBatch) -> ShapeBatch {
        var kept: [ChangeMessage] = []
        for change in batch.changes {
            let key = state.key(of: change)
            let contained = onDemand.snapshots.contains { snapshot in
                snapshot.keys.contains(key) && change.txids.contains(where: snapshot.bounds.isVisible)
            }
            if contained { continue }
            if let txid = change.txids.max() { onDemand.lastLogTxid[key] = txid }
            kept.append(change)
        }
        if let seen = batch.globalLastSeenLSN.flatMap(UInt64.init) {
            onDemand.snapshots.removeAll { snapshot in snapshot.databaseLSN.map { $0 <= seen } ?? false }
        }
        guard kept.count != batch.changes.count else { return batch }
        return ShapeBatch(
            changes: kept, replacesRows: batch.replacesRows, txids: batch.txids, snapshots: batch.snapshots,
            globalLastSeenLSN: batch.globalLastSeenLSN, position: batch.position)
    }

    /// After a refetch the shape is new: forget its rows and load every subset again.
    func reloadSubsets() {
        let subsets = onDemand.loaded
        onDemand = OnDemandState()
        emit(state.load([:]))
        for subset in subsets {
            Task { try? await self.load(subset) }
        }
    }
}
