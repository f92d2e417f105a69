import Foundation
import ShapeWhere
import ShapeWire
/// What the sync service reads: snapshots, committed transactions in commit
/// order from a durable log, and a catalog where shapes survive restarts.
public protocol ShapeSource: Sendable {
    var tables: [TableSchema] { get }
    /// The SQL dialect snapshot filters are written in.
    var sqlDialect: SQLDialect { get }
    /// The rows of `table` that `query` selects, in its order, with which
    /// committed transactions they already reflect.
    func snapshot(of table: TableSchema, query: SnapshotQuery) async throws -> TableSnapshot
    /// The newest sequence in the change log (0 when empty).
    func lastSequence() async throws -> Int64
    /// The newest commit position known.
    func lastLSN() async throws -> UInt64
    /// Whole committed transactions with changes after `sequence`, in commit order.
    func transactions(afterSequence sequence: Int64, limit: Int) async throws -> [CommittedTransaction]
    /// What this process committed last, without reading the log: whole
    /// transactions after `sequence` (about `limit` changes), empty when
    /// `sequence` is the newest change this process committed, nil when the
    /// log must be read. Commits of other processes are not in it: only a
    /// read of the log finds them, so this answers wakes by ``onCommit(_:)``.
    func recentTransactions(afterSequence sequence: Int64, limit: Int) -> [CommittedTransaction]?
    /// Runs `observer` after each commit the log learns about in this process.
    func onCommit(_ observer: @escaping @Sendable () -> Void)
    /// Housekeeping the feed does whenever it has caught up.
    func whenCaughtUp() async throws
    func saveShape(_ record: ShapeRecord) async throws
    func deleteShapes(_ handles: [String]) async throws
    /// Every saved shape, without its snapshot's chunks (their sizes only).
    func loadShapes() async throws -> [ShapeRecord]
    /// Chunk `index` of a saved shape's snapshot; nil when there is no such shape or chunk.
    func snapshotChunk(handle: String, index: Int) async throws -> Data?
    /// Deletes change-log entries up to and including `sequence`: no shape
    /// replays from before it any more.
    func compactChanges(through sequence: Int64) async throws
}

extension ShapeSource {
    public func recentTransactions(afterSequence sequence: Int64, limit: Int) -> [CommittedTransaction]? { nil }
}
