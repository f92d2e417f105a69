/// The transaction bounds of a snapshot, from a `snapshot-end` control message:
/// which transactions the snapshot already contains.
///
/// Values are 64-bit (Postgres `xid8`); the txids that writes return and that
/// change messages carry are 32-bit xids on Postgres. ``isVisible(_:)`` resolves
/// a 32-bit xid into the epoch nearest `xmax` before comparing.
///
/// ```swift
/// let bounds = SnapshotBounds(xmin: 4_294_967_400, xmax: 4_294_967_410, inProgress: [4_294_967_405])
/// bounds.isVisible(104)  // true: 2^32 + 104 < xmin
/// bounds.isVisible(109)  // false: 2^32 + 109 is in progress
/// ```
public struct SnapshotBounds: Sendable, Hashable {
    /// Every transaction below this had finished when the snapshot was taken.
    public let xmin: UInt64
    /// Every transaction at or above this had not started.
    public let xmax: UInt64
    /// Transactions between xmin and xmax still running at the snapshot (`xip_list`).
    public let inProgress: Set<UInt64>

    /// Bounds from a `snapshot-end` message's `xmin`, `xmax` and `xip_list`.
    public init(xmin: UInt64, xmax: UInt64, inProgress: Set<UInt64> = []) {
        self.xmin = xmin
        self.xmax = xmax
        self.inProgress = inProgress
    }

    /// Whether transaction `txid` was committed before the snapshot was taken, so
    /// its effects are already in it: `txid < xmin`, or `txid < xmax` and not in progress.
    public func isVisible(_ txid: UInt64) -> Bool {
        let full = resolve(txid)
        if full < xmin { return true }
        return full < xmax && !inProgress.contains(full)
    }

    /// A 32-bit xid (every value below 2^32) widened into the epoch that puts it
    /// nearest `xmax`; 64-bit values are taken as they are.
    func resolve(_ txid: UInt64) -> UInt64 {
        let epochSize: UInt64 = 1 << 32
        guard txid < epochSize, xmax >= epochSize else { return txid }
        let base = xmax & ~(epochSize - 1)
        let candidates = [base &- epochSize, base, base &+ epochSize]
            .filter { $0 <= UInt64.max - txid }
            .map { $0 + txid }
        let distance = { (value: UInt64) in value > self.xmax ? value - self.xmax : self.xmax - value }
        return candidates.min { distance($0) < distance($1) } ?? txid
    }
}
