import AsyncHTTPClient
import Synchronization

/// A synced table (one shape) plus the optimistic changes of local transactions.
///
/// ```swift
/// let messages = SyncCollection(
///     id: "messages:c-1",
///     shape: .gatekeeper(baseURL: base, table: "messages", params: ["conversationId": "c-1"], tokens: tokens),
///     replica: try LocalReplica.open(directory: cacheDir, identity: ReplicaIdentity(server: base, user: "alice", shape: "messages/c-1")))
/// await messages.start()
/// for await snapshot in await messages.changes() { print(snapshot.status, snapshot.rows.count) }
/// ```
///
/// Write through a ``Transaction`` (see ``transaction(timeout:_:)``); read
/// through ``changes()`` or a ``LiveQuery``.
public actor SyncCollection {
    /// A name for logs and errors.
    public nonisolated let id: String
    /// Columns that make a row's key (the table's primary key).
    public nonisolated let keyColumns: [String]
    let shape: ShapeStreamConfiguration?
    private let replica: LocalReplica?
    let httpClient: HTTPClient

    var state: CollectionState
    var tracker = TxIdTracker()
    /// What on-demand mode has loaded, and what it must screen out of the log.
    var onDemand = OnDemandState()
    /// Where the sync stands; every change is also in ``changes()``.
    public private(set) var status: CollectionStatus = .idle
    /// The failure that stopped the stream, or that stopped the replica from being written.
    public internal(set) var lastError: (any Error)?
    private var streamTask: Task<Void, Never>?
    private var replicaLoaded = false
    /// Where the next start resumes: the replica's saved position, then each batch's.
    var resumePosition: ShapePosition?
    /// Batches applied before the current start: `ready` needs one more.
    private var appliedAtStart = 0

    private var observers: [Int: AsyncStream<CollectionSnapshot>.Continuation] = [:]
    private var nextObserverID = 0
    var waiters: [Int: TxIdWaiter] = [:]
    var positionWaiters: [Int: PositionWaiter] = [:]
    var nextWaiterID = 0
    /// Outcomes of transactions that have left the overlay.
    var finished: [Int: (TransactionState, TransactionError?)] = [:]
    private nonisolated let transactionIDs = Atomic<Int>(0)

    /// A collection that syncs when ``start()`` is called.
    ///
    /// - Parameters:
    ///   - id: a name for logs and errors (`"messages:c-1"`).
    ///   - shape: where the rows come from; nil for a local-only collection.
    ///   - keyColumns: the table's primary key; a row's key is their value(s).
    ///   - replica: where rows and the stream position are saved between runs.
    ///   - httpClient: the AsyncHTTPClient the stream uses; the shared one unless you manage your own.
    public init(
        id: String, shape: ShapeStreamConfiguration?, keyColumns: [String] = ["id"], replica: LocalReplica? = nil,
        httpClient: HTTPClient = .shared
    ) {
        self.id = id
        self.shape = shape
        self.keyColumns = keyColumns
        self.replica = replica
        self.httpClient = httpClient
        self.state = CollectionState(keyColumns: keyColumns)
    }

    /// Every visible row by key.
    public var rows: [String: Row] { state.visible }

    /// The visible row at `key`.
    public func row(_ key: String) -> Row? { state.visible[key] }

    /// Shows the replica's rows (once) and starts syncing from its saved position
    /// (or, after a ``stop()``, from where it stopped). Calling it again while
    /// running does nothing; after an error it starts over.
    public func start() {
        guard streamTask == nil || status == .error else { return }
        loadReplica()
        guard var shape else { return }
        if let resumePosition { shape.resume = resumePosition }
        appliedAtStart = state.appliedBatches
        setStatus(.loading)
        let replica = replica
        let keyColumns = keyColumns
        let httpClient = httpClient
        streamTask = Task { await self.follow(shape, replica: replica, keyColumns: keyColumns, httpClient: httpClient) }
    }

    /// Stops syncing and waits for the stream to end. Rows stay visible.
    public func stop() async {
        let task = streamTask
        task?.cancel()
        await task?.value
        streamTask = nil
        if status == .loading || status == .ready { setStatus(.idle) }
    }

    /// Shows the saved rows, if a replica is configured and has some; returns how many.
    @discardableResult
    public func loadReplica() -> Int {
        guard let replica, !replicaLoaded else { return 0 }
        replicaLoaded = true
        do {
            guard let saved = try replica.load() else { return 0 }
            resumePosition = saved.position
            tracker.restore(saved.seenTxids)
            emit(state.load(saved.rows))
            return saved.rows.count
        } catch {
            lastError = error
            return 0
        }
    }

    /// Visible rows now and after every change, starting with the current state.
    public func changes() -> AsyncStream<CollectionSnapshot> {
        let (stream, continuation) = AsyncStream.makeStream(of: CollectionSnapshot.self, bufferingPolicy: .unbounded)
        let observer = nextObserverID
        nextObserverID += 1
        observers[observer] = continuation
        continuation.yield(snapshot(changed: Set(state.visible.keys), initial: true))
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeObserver(observer) }
        }
        return stream
    }

    /// A new transaction whose commit runs `mutationFunction` (which writes
    /// through the API and returns the txid), then waits for that txid to sync back.
    ///
    /// ```swift
    /// let send = messages.transaction { _ in
    ///     try await api.sendQuestion(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "Why?")
    /// }
    /// try await send.mutate { try $0.insert(question); try $0.insert(placeholder) }
    /// try await send.commit()
    /// ```
    public nonisolated func transaction(
        timeout: Duration = .seconds(5), _ mutationFunction: @escaping @Sendable (Transaction) async throws -> UInt64
    ) -> Transaction {
        Transaction(id: newTransactionID(), collection: self, timeout: timeout) { [try await mutationFunction($0)] }
    }

    /// Like ``transaction(timeout:_:)`` for a mutation function that makes several
    /// writes (or none): every returned txid is awaited.
    public nonisolated func transactionAwaitingAll(
        timeout: Duration = .seconds(5), _ mutationFunction: @escaping @Sendable (Transaction) async throws -> [UInt64]
    ) -> Transaction {
        Transaction(id: newTransactionID(), collection: self, timeout: timeout, mutationFunction: mutationFunction)
    }

    nonisolated func newTransactionID() -> Int {
        transactionIDs.add(1, ordering: .relaxed).newValue
    }

    // MARK: The stream

    private nonisolated func follow(
        _ shape: ShapeStreamConfiguration, replica: LocalReplica?, keyColumns: [String], httpClient: HTTPClient
    ) async {
        var replica = replica
        do {
            try await ShapeStream(shape, httpClient: httpClient).run { event in
                // Saved, in order, before it is shown: a crash in between re-fetches,
                // never skips. The write is synchronous on this task; it is small.
                if let current = replica {
                    do {
                        try current.save(event, keyColumns: keyColumns)
                    } catch {
                        replica = nil
                        await self.replicaFailed(error)
                    }
                }
                await self.receive(event)
            }
        } catch {
            await streamFailed(error)
        }
    }

    /// Applies one stream event, as if the collection's own stream had delivered it:
    /// the way to feed a local-only collection from another source (and to benchmark it).
    public func receive(_ event: ShapeEvent) {
        guard case .batch(let batch) = event else {
            // The rows stay until the refetched snapshot replaces them in one step
            // (on demand: until the subsets are loaded again).
            resumePosition = nil
            if syncMode == .onDemand { reloadSubsets() }
            return
        }
        resumePosition = batch.position
        apply(syncMode == .onDemand ? screen(batch) : batch)
    }

    /// Shows a batch (from the stream or a subset) and settles the writes it confirms.
    func apply(_ batch: ShapeBatch) {
        let changed = state.receive(batch)
        tracker.record(batch)
        emit(changed)
        settleWaiters(after: batch)
        settlePositionWaiters()
    }

    private func streamFailed(_ error: any Error) {
        lastError = error
        setStatus(.error)
    }

    private func replicaFailed(_ error: any Error) {
        lastError = error
    }

    // MARK: Observers

    /// Tells observers about `changed` keys (and a status change, if any).
    func emit(_ changed: Set<String>) {
        let wasReady = status == .ready
        if status == .loading && state.appliedBatches > appliedAtStart { status = .ready }
        guard !changed.isEmpty || wasReady != (status == .ready) else { return }
        let snapshot = snapshot(changed: changed, initial: false)
        for continuation in observers.values { continuation.yield(snapshot) }
    }

    private func setStatus(_ new: CollectionStatus) {
        guard status != new else { return }
        status = new
        let snapshot = snapshot(changed: [], initial: false)
        for continuation in observers.values { continuation.yield(snapshot) }
    }

    private func snapshot(changed: Set<String>, initial: Bool) -> CollectionSnapshot {
        CollectionSnapshot(
            rows: state.visible, changedKeys: changed, optimisticKeys: state.optimisticKeys, status: status, isInitial: initial)
    }

    private func removeObserver(_ observer: Int) {
        observers[observer] = nil
    }

    /// Whether `txid` has synced back (for ``awaitTxId(_:timeout:)``).
    func isConfirmed(_ txid: UInt64) -> Bool { tracker.isConfirmed(txid) }

    /// The highest commit position an up-to-date has brought.
    var lastSeenPosition: UInt64 { tracker.lastSeenPosition }

    /// How many batches have arrived so far.
    var batchCount: Int { tracker.batchCount }

    /// Txids first seen after the `since`-th batch.
    func txids(since: Int) -> [UInt64] { tracker.txids(since: since) }
}
