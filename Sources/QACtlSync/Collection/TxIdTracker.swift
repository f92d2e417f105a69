/// Which txids a collection has seen applied, and which snapshots it has seen:
/// the two ways a write is known to have synced back.
struct TxIdTracker {
    /// Oldest txids are forgotten past this many; a waiter that late has timed out long ago.
    static let capacity = 10_000
    static let snapshotCapacity = 32

    private var seen: Set<UInt64> = []
    private var order: [UInt64] = []
    private var snapshots: [SnapshotBounds] = []
    /// The highest `global_last_seen_lsn` an up-to-date has carried: every commit up to it is in.
    private(set) var lastSeenPosition: UInt64 = 0
    /// Counts recorded batches: a point in time for ``txids(since:)``.
    private(set) var batchCount = 0
    /// Txids of recent batches with the batch count they arrived at, oldest first.
    private var recent: [(batch: Int, txid: UInt64)] = []

    /// Records what an up-to-date batch carried.
    mutating func record(_ batch: ShapeBatch) {
        batchCount += 1
        if let position = batch.globalLastSeenLSN.flatMap({ UInt64($0) }) { lastSeenPosition = max(lastSeenPosition, position) }
        for txid in batch.changes.flatMap(\.txids) where seen.insert(txid).inserted {
            order.append(txid)
            recent.append((batchCount, txid))
        }
        if recent.count > 1000 { recent.removeFirst(recent.count - 1000) }
        forgetOldest()
        snapshots.append(contentsOf: batch.snapshots)
        if snapshots.count > Self.snapshotCapacity { snapshots.removeFirst(snapshots.count - Self.snapshotCapacity) }
    }

    /// Takes in txids a replica saved from earlier runs (oldest first), as seen.
    mutating func restore(_ txids: [UInt64]) {
        for txid in txids.suffix(Self.capacity) where seen.insert(txid).inserted { order.append(txid) }
        forgetOldest()
    }

    private mutating func forgetOldest() {
        guard order.count > Self.capacity else { return }
        let dropped = order.prefix(order.count - Self.capacity)
        seen.subtract(dropped)
        order.removeFirst(dropped.count)
    }

    /// Txids first seen in batches recorded after `batchCount` was `since`, in arrival order.
    func txids(since: Int) -> [UInt64] {
        recent.filter { $0.batch > since }.map(\.txid)
    }

    /// Whether `txid` has synced back: seen in an applied batch, or visible in a snapshot.
    func isConfirmed(_ txid: UInt64) -> Bool {
        seen.contains(txid) || snapshots.contains { $0.isVisible(txid) }
    }
}
