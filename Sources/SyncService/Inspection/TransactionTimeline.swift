import Foundation
import ShapeWire
import SyncModel

/// The last transactions the sync service applied, for the inspector's txid
/// timeline: what each touched, when it was committed, applied, and first
/// delivered to a client. Bounded; the oldest fall off.
struct TransactionTimeline: Sendable {
    static let capacity = 200

    private(set) var records: [TransactionRecord] = []
    /// How many records have fallen off the front (record `i` has absolute index `dropped + i`).
    private var dropped = 0
    /// Commit positions (the `tx` of offsets) of records not yet delivered → absolute index.
    /// Kept O(1) per transaction: this runs on the sync service's apply path.
    private var undelivered: [UInt64: Int] = [:]

    mutating func applied(_ transaction: CommittedTransaction, shapes: Int) {
        var tables: [String: Int] = [:]
        for change in transaction.changes { tables[change.table, default: 0] += 1 }
        if records.count == Self.capacity {
            records.removeFirst()
            dropped += 1
            // Transactions nobody read stay undelivered; forget those that fell off, now and then.
            if undelivered.count > 2 * Self.capacity { undelivered = undelivered.filter { $0.value >= dropped } }
        }
        records.append(TransactionRecord(
            txid: transaction.txid, lsn: transaction.lsn, tables: tables, rows: transaction.changes.count, shapes: shapes,
            committedAtMilliseconds: transaction.committedAtMilliseconds, appliedAtMilliseconds: Self.now(), firstDeliveredAtMilliseconds: nil))
        if shapes > 0 { undelivered[transaction.lsn] = dropped + records.count - 1 }
    }

    /// Marks the transactions whose entries a response just carried.
    mutating func delivered(_ entries: [ShapeLog.Entry]) {
        guard !undelivered.isEmpty, !entries.isEmpty else { return }
        var now: Int64?
        var previous: UInt64?
        for entry in entries where entry.offset.tx != previous {
            previous = entry.offset.tx
            guard let absolute = undelivered.removeValue(forKey: entry.offset.tx), absolute >= dropped else { continue }
            now = now ?? Self.now()
            records[absolute - dropped].firstDeliveredAtMilliseconds = now
        }
    }

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// One applied transaction, as the inspector shows it.
public struct TransactionRecord: Sendable, Codable, Equatable {
    public let txid: UInt64
    /// The commit position (the `tx` part of its offsets).
    public let lsn: UInt64
    /// Changed rows per table.
    public let tables: [String: Int]
    public let rows: Int
    /// How many shapes the transaction was routed to.
    public let shapes: Int
    public let committedAtMilliseconds: Int64?
    public let appliedAtMilliseconds: Int64
    /// When a response first carried it to a client; nil until then (or when no shape wanted it).
    public var firstDeliveredAtMilliseconds: Int64?
}
