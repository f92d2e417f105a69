import Foundation
import ShapeWire
import Synchronization
import SyncModel

/// One shape's consumer: its snapshot, its log and the long-polls waiting on
/// it, behind a lock of its own.
///
/// The ``SyncService`` actor is only the registry (definitions, handles,
/// routing, expiry) and the feed. A call on an existing shape visits the
/// actor once, to find it; reading its log, parking on it and being woken
/// happen here, so no single actor serialises every shape's work. The feed
/// hands each consumer its transactions under this lock rather than through
/// an actor hop per shape (Electric runs a process per shape; a lock is the
/// cheaper equivalent in one process).
final class Shape: Sendable {
    enum Status: Equatable {
        /// The snapshot query is running; transactions are held until it is known
        /// which of them it already contains.
        case snapshotting
        case ready
        /// Dropped from the registry (its log is gone), with why.
        case failed(String)
    }

    /// The failure reason of a shape dropped by the registry (invalidated,
    /// expired, deleted): its clients refetch its successor.
    static let invalidated = "invalidated"

    /// What the lock guards. (Unchecked: its log's storage is a class; it is
    /// only ever touched under the lock.)
    struct Content: @unchecked Sendable {
        var status: Status = .snapshotting
        /// Transactions that arrived while snapshotting.
        var held: [CommittedTransaction] = []
        /// Snapshot body chunks: comma-joined messages; the last ends with `snapshot-end`.
        var snapshot = SnapshotBody.memory([])
        /// Which transactions the snapshot already holds (their changes are skipped).
        var visibility: SnapshotVisibility = .sequence(0)
        /// The change-log position the service had applied when the shape was created.
        var replayFrom: Int64 = 0
        var log: ShapeLog
        /// Long-polls and requests waiting for the snapshot.
        var waiters: [Int: Waiter] = [:]
        var nextWaiterID = 0
        /// Set at shutdown: nothing parks any more.
        var closed = false
        /// When a request last read this shape (for expiry and LRU).
        var lastRead = ContinuousClock.now

        /// The offset a fully caught-up client holds.
        var lastOffset: Offset { log.lastOffset ?? .snapshotEnd }

        /// Empties the waiters; the caller wakes them once the lock is released.
        mutating func takeWaiters() -> [Waiter] {
            guard !waiters.isEmpty else { return [] }
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
    }

    /// A shape's snapshot body. It is held in memory from the snapshot until
    /// it is saved in the store, then read from there a chunk at a time: a
    /// big shape's snapshot does not stay in memory for the shape's life.
    enum SnapshotBody {
        case memory([String])
        /// In the store: each chunk's size.
        case stored(sizes: [Int])

        var count: Int {
            switch self {
            case .memory(let chunks): chunks.count
            case .stored(let sizes): sizes.count
            }
        }

        var bytes: Int {
            switch self {
            case .memory(let chunks): chunks.reduce(0) { $0 + $1.utf8.count }
            case .stored(let sizes): sizes.reduce(0, +)
            }
        }
    }

    /// Something parked on the shape: a task's continuation or a parked
    /// poll's callback (which holds no task at all while it waits).
    struct Waiter: Sendable {
        let wake: @Sendable () -> Void
        /// The client's departure wakes it too; withdrawn when it wakes.
        var presence: (any ClientPresenceSignal)?
        var departure: Int?

        func callAsFunction() {
            if let departure { presence?.withdraw(departure) }
            wake()
        }
    }

    let handle: String
    let resolved: ResolvedShape
    let relation: String
    /// When this process created (or restored) it, for the inspector.
    let createdAt = Date()
    private let content: Mutex<Content>

    init(handle: String, resolved: ResolvedShape, chunkBytes: Int, storage: (any ShapeStorage)? = nil, tailLimit: Int = 64 << 10) {
        self.handle = handle
        self.resolved = resolved
        self.relation = ShapeMessage.relation(resolved.table)
        self.content = Mutex(Content(log: ShapeLog(chunkBytes: chunkBytes, storage: storage, tailLimit: tailLimit)))
    }

    /// Runs `body` with the shape's state locked. Keep it short: the feed
    /// and every reader of this shape queue on it.
    func withContent<Result: Sendable>(_ body: (inout Content) throws -> Result) rethrows -> Result {
        try content.withLock { try body(&$0) }
    }

    var status: Status { content.withLock { $0.status } }
    var isSnapshotting: Bool { status == .snapshotting }
    var isReady: Bool { status == .ready }
    var lastOffset: Offset { content.withLock { $0.lastOffset } }
    var isRetired: Bool { if case .failed = status { return true } else { return false } }

    func hasEntries(after offset: Offset) -> Bool {
        content.withLock { $0.log.hasEntries(after: offset) }
    }

    func touch() {
        content.withLock { $0.lastRead = .now }
    }

    // MARK: The feed (called by the registry, in commit order)

    /// Routes one committed transaction into this shape: held while the
    /// snapshot runs, else its entries appended and every parked poll woken.
    /// Throws when the log cannot be written (the registry drops the shape).
    func apply(_ transaction: CommittedTransaction) throws {
        try content.withLock { content -> [Waiter] in
            switch content.status {
            case .snapshotting:
                content.held.append(transaction)
            case .ready:
                var entries = entries(for: transaction, visibility: content.visibility)
                // A replay after a restart skips what the log on disk already holds. (Entry by
                // entry: on SQLite, commits of other programs can share a txid.)
                if let last = content.log.lastOffset, let first = entries.first, first.offset <= last {
                    entries.removeAll { $0.offset <= last }
                }
                guard !entries.isEmpty else { return [] }
                try content.log.append(transaction: entries)
                return content.takeWaiters()
            case .failed:
                break
            }
            return []
        }.forEach { $0() }
    }

    /// The snapshot is in: transactions held meanwhile go to the log (those
    /// the snapshot already contains are skipped change by change), and the
    /// shape starts serving. Throws when the log cannot be created or written.
    func finishSnapshot(_ snapshot: TableSnapshot, chunkBytes: Int) throws {
        let chunks = makeSnapshotChunks(snapshot, chunkBytes: chunkBytes)
        try content.withLock { content -> [Waiter] in
            guard content.status == .snapshotting else { return [] }
            content.visibility = snapshot.visibility
            content.snapshot = .memory(chunks)
            try content.log.storage?.create()
            for transaction in content.held {
                try content.log.append(transaction: entries(for: transaction, visibility: snapshot.visibility))
            }
            content.held = []
            content.status = .ready
            // On SQLite every change up to the snapshot's sequence is in it: a
            // restart need not replay them for this shape, and the change log
            // can be compacted up to there.
            if case .sequence(let sequence) = snapshot.visibility { content.replayFrom = max(content.replayFrom, sequence) }
            return content.takeWaiters()
        }.forEach { $0() }
    }

    /// Dropped by the registry: its stored log is deleted and every waiter
    /// woken to find out.
    func retire(_ reason: String) {
        content.withLock { content in
            content.status = .failed(reason)
            content.held = []
            content.log.storage?.remove()
            return content.takeWaiters()
        }.forEach { $0() }
    }

    /// Shutdown: wakes every waiter and parks none from now on.
    func close() {
        content.withLock { content in
            content.closed = true
            return content.takeWaiters()
        }.forEach { $0() }
    }

    // MARK: Readers

    /// Whether a poll that has read up to `offset` would still wait.
    static func waitsForChange(after offset: Offset) -> @Sendable (inout Content) -> Bool {
        { content in content.status == .ready && content.lastOffset <= offset }
    }

    /// Waits until the log has entries after `offset`, `timeout` passes, the
    /// shape is dropped, the service shuts down, the client leaves or the
    /// caller is cancelled.
    func waitForChange(after offset: Offset, timeout: Duration, timer: LongPollTimer, presence: (any ClientPresenceSignal)? = nil) async {
        await wait(timer: timer, timeout: timeout, presence: presence, while: Self.waitsForChange(after: offset))
    }

    /// Waits until the snapshot is done (or failed), or shutdown.
    func waitForSnapshot() async {
        while isSnapshotting {
            await wait(timer: nil, timeout: nil, presence: nil) { $0.status == .snapshotting }
            if Task.isCancelled || content.withLock({ $0.closed }) { return }
        }
    }

    /// ``park(while:timeout:timer:presence:wake:)`` for a task: it waits in a
    /// continuation, and its cancellation wakes it.
    private func wait(timer: LongPollTimer?, timeout: Duration?, presence: (any ClientPresenceSignal)?,
                      while stillWaiting: (inout Content) -> Bool) async {
        let id = reserveWaiterID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let parked = park(id: id, while: stillWaiting, timeout: timeout, timer: timer, presence: presence) { continuation.resume() }
                if !parked { continuation.resume() }
            }
        } onCancel: {
            resumeWaiter(id)
        }
    }

    /// Parks `wake` until the log changes, `timeout` passes, the shape is
    /// dropped, the service shuts down or the client leaves; then it runs
    /// once (on whichever thread woke it: it should only schedule work).
    /// False, and `wake` never runs, when `stillWaiting` no longer holds:
    /// the caller goes on at once. (A client that has left already wakes it at once.)
    func park(id: Int? = nil, while stillWaiting: (inout Content) -> Bool, timeout: Duration?, timer: LongPollTimer?,
              presence: (any ClientPresenceSignal)?, wake: @escaping @Sendable () -> Void) -> Bool {
        let id = id ?? reserveWaiterID()
        // Cancellation sets the flag before its handler runs, and the handler takes
        // this lock: either it finds the waiter, or the waiter sees the flag here.
        let parked = content.withLock { content in
            guard !content.closed, !Task.isCancelled, stillWaiting(&content) else { return false }
            content.waiters[id] = Waiter(wake: wake, presence: presence)
            return true
        }
        guard parked else { return false }
        if let presence {
            // After the waiter is in, so a departure from now on finds it; nil: gone already.
            if let departure = presence.whenGone({ [self] in resumeWaiter(id) }) {
                let kept = content.withLock { content in
                    guard content.waiters[id] != nil else { return false }
                    content.waiters[id]?.departure = departure
                    return true
                }
                // Woken meanwhile: its departure is not needed any more.
                if !kept { presence.withdraw(departure) }
            } else {
                resumeWaiter(id)
            }
        }
        if let timer, let timeout { timer.add(self, id: id, after: timeout) }
        return true
    }

    private func reserveWaiterID() -> Int {
        content.withLock { content in
            content.nextWaiterID += 1
            return content.nextWaiterID
        }
    }

    func resumeWaiter(_ id: Int) {
        content.withLock { $0.waiters.removeValue(forKey: id) }?()
    }

    /// The log after `offset` up to the end of its chunk: planned under the
    /// lock, stored blocks read and decompressed outside it.
    func read(after offset: Offset) throws -> ShapeLogSlice {
        try plan(after: offset).run()
    }

    func plan(after offset: Offset) -> ShapeLogRead {
        content.withLock { $0.log.plan(after: offset) }
    }
}
