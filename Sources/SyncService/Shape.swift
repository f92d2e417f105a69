import Foundation
import ShapeWire
import SyncModel
/// One live shape: its snapshot chunks, its log, and the long-polls waiting on it.
/// Owned by ``SyncService`` (actor-isolated there).
final class Shape {
    enum State {
        /// The snapshot query is running; transactions are held until it is known
        /// which of them it already contains.
        case snapshotting(held: [CommittedTransaction])
        case ready
        case failed(String)
    }

    /// The failure reason of a shape dropped by ``SyncService/invalidate(tables:)``.
    static let invalidated = "invalidated"

    let handle: String
    let resolved: ResolvedShape
    let relation: String
    var state: State = .snapshotting(held: [])
    /// Snapshot body chunks: comma-joined messages; the last ends with `snapshot-end`.
    var snapshotChunks: [String] = []
    /// Which transactions the snapshot already holds (their changes are skipped).
    var visibility: SnapshotVisibility = .sequence(0)
    /// The change-log position the service had applied when the shape was created.
    var replayFrom: Int64 = 0
    var log: ShapeLog
    /// Continuations of long-polls and of requests waiting for the snapshot.
    var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    /// When a request last read this shape (for expiry and LRU).
    var lastRead = ContinuousClock.now
    /// When this process created (or restored) it, for the inspector.
    let createdAt = Date()

    init(handle: String, resolved: ResolvedShape, chunkBytes: Int, storage: (any ShapeStorage)? = nil, tailLimit: Int = 64 << 10) {
        self.handle = handle
        self.resolved = resolved
        self.relation = ShapeMessage.relation(resolved.table)
        self.log = ShapeLog(chunkBytes: chunkBytes, storage: storage, tailLimit: tailLimit)
    }

    var isSnapshotting: Bool {
        if case .snapshotting = state { return true }
        return false
    }

    var isReady: Bool {
        if case .ready = state { return true }
        return false
    }

    /// The offset a fully caught-up client holds.
    var lastOffset: Offset { log.lastOffset ?? .snapshotEnd }

    func wakeAll() {
        let pending = waiters
        waiters.removeAll()
        for continuation in pending.values { continuation.resume() }
    }
}
