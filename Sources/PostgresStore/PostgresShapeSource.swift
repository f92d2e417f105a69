import Foundation
import AppModel
import ShapeWhere
import ShapeWire
import SQLiteStore
import SyncModel
/// What the sync service reads on PostgreSQL: snapshots from the database, and
/// the transactions the replication pump has stored in the local ``FeedLog``.
public struct PostgresShapeSource: ShapeSource {
    public let database: PostgresDatabase
    public let log: FeedLog

    public init(database: PostgresDatabase, log: FeedLog) {
        self.database = database
        self.log = log
    }

    public var tables: [TableSchema] { DataModel.tables }
    public var sqlDialect: SQLDialect { .postgres }

    public func snapshot(of table: TableSchema, query: SnapshotQuery) async throws -> TableSnapshot {
        try await database.snapshot(of: table, query: query)
    }

    public func lastSequence() async throws -> Int64 { try await log.lastSequence() }
    public func lastLSN() async throws -> UInt64 { try await log.lastLSN() }

    public func transactions(afterSequence sequence: Int64, limit: Int) async throws -> [CommittedTransaction] {
        try await log.transactions(afterSequence: sequence, limit: limit)
    }

    public func recentTransactions(afterSequence sequence: Int64, limit: Int) -> [CommittedTransaction]? {
        log.recentTransactions(afterSequence: sequence, limit: limit)
    }

    public func onCommit(_ observer: @escaping @Sendable () -> Void) { log.onCommit(observer) }
    public func whenCaughtUp() async throws {}
    public func saveShape(_ record: ShapeRecord) async throws { try await log.saveShape(record) }
    public func deleteShapes(_ handles: [String]) async throws { try await log.deleteShapes(handles) }
    public func loadShapes() async throws -> [ShapeRecord] { try await log.loadShapes() }
    public func snapshotChunk(handle: String, index: Int) async throws -> Data? { try await log.snapshotChunk(handle: handle, index: index) }
    public func compactChanges(through sequence: Int64) async throws { try await log.compactChanges(through: sequence) }
}
