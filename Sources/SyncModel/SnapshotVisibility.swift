/// Which committed transactions a snapshot already contains, so that the
/// shape's log skips them (and keeps every later one).
public enum SnapshotVisibility: Sendable, Codable, Equatable {
    /// SQLite, whose commits are serial: every change up to this log sequence.
    case sequence(Int64)
    /// PostgreSQL: `pg_current_snapshot()`'s bounds. A transaction is in the
    /// snapshot when its xid is below `xmin`, or below `xmax` and not in `xip`.
    case transactions(xmin: UInt64, xmax: UInt64, xip: [UInt64])

    /// Whether `change` of transaction `txid` is already in the snapshot.
    public func contains(_ change: RowChange, txid: UInt64) -> Bool {
        switch self {
        case .sequence(let last):
            return change.sequence <= last
        case .transactions(let xmin, let xmax, let xip):
            let xid = Self.widen(txid, near: xmax)
            return xid < xmin || (xid < xmax && !xip.contains(xid))
        }
    }

    /// A 32-bit wire xid as the 64-bit xid nearest `reference` (the epoch may
    /// have moved on since the snapshot; xids wrap every 2^32).
    static func widen(_ xid: UInt64, near reference: UInt64) -> UInt64 {
        guard xid <= UInt64(UInt32.max) else { return xid }
        let epoch = reference >> 32
        let candidate = (epoch << 32) | xid
        let window: UInt64 = 1 << 31
        if candidate > reference &+ window, epoch > 0 { return candidate - (1 << 32) }
        if candidate &+ window < reference { return candidate + (1 << 32) }
        return candidate
    }
}
