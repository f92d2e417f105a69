import AppModel
import Foundation
import GRDB
import ShapeWhere
import ShapeWire
import Synchronization
import SyncModel
/// The embedded store: one SQLite file in WAL mode, safe to share with other
/// processes (a second `qactl serve`, the `sqlite3` shell).
///
/// ```swift
/// let store = try SQLiteDatabase(path: "/tmp/qactl.sqlite")
/// let (_, txid) = try await store.transaction { db in
///     try db.execute(sql: "INSERT INTO conversations …")
/// }
/// ```
public final class SQLiteDatabase: AppStore, ShapeSource {
    public let path: String
    let pool: DatabasePool
    /// Each batch notes the change log's last sequence before its writes.
    private let groupCommit: GroupCommit<Int64>
    /// What this process's batches committed to the change log, for the feed.
    /// The feed takes a batch as soon as it is committed: room for a few of the largest (256 writes).
    let recent = RecentTransactions(capacity: 1_024)
    /// Told after each of this process's group commits.
    private let commitObservers = CommitObservers()

    /// `startAfresh`: consent to a new, empty database where the data dir's
    /// is missing or empty (see ``SQLiteFile``).
    public init(path: String, startAfresh: Bool = false) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        // Other processes may hold the write lock for a while (the sqlite3 shell).
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        configuration.label = "qactl"
        SQLiteFile.limitGrowth(&configuration)
        try SQLiteFile.prepare(path, what: "the database", startAfresh: startAfresh)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError(.cannotOpen, "cannot open the SQLite database \(path): \(Self.describe(error))")
        }
        try SQLiteFile.check(pool, path: path, what: "the database")
        try SQLiteFile.syncEveryCommit(pool, path: path, what: "the database")
        do {
            try SQLiteSchema.migrator().migrate(pool)
        } catch {
            throw StoreError(.migration, "cannot migrate the SQLite database \(path): \(Self.describe(error))")
        }
        SQLiteFile.markCreated(path)
        let recent = self.recent, observers = commitObservers
        groupCommit = GroupCommit(writer: pool) { db in
            // A transaction some other program left open is complete: it committed.
            try db.cachedStatement(sql: "UPDATE _qactl_tx SET open = 0 WHERE open = 1").execute()
            return try Self.lastAssignedSequence(db)
        } epilogue: { db, before in
            // The batch's changes, read while they are in the writer's cache, go to the
            // feed from memory. Failing that, the feed reads the file (always right).
            // The feed is woken from here, the moment the batch is in: not by
            // the first of its writers to be resumed, a thread hand-over later.
            let written = try? Self.transactions(db, afterSequence: before, limit: .max)
            return {
                if let written { recent.published(written) } else { recent.forget() }
                observers.notify()
            }
        }
    }

    /// The last change sequence ever assigned (AUTOINCREMENT never reuses one), 0 when none.
    private static func lastAssignedSequence(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM sqlite_sequence WHERE name = '_qactl_changes'")) ?? 0
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }

    public var tables: [TableSchema] { DataModel.tables }
    public var sqlDialect: SQLDialect { .sqlite }

    /// Registers `observer` to run after every group commit of writes made
    /// through ``transaction(_:)``, once per batch, on the writer's thread
    /// (the change feed uses it to pick up in-process writes at once).
    public func onCommit(_ observer: @escaping @Sendable () -> Void) {
        commitObservers.add(observer)
    }

    /// Runs `body` in a write transaction of its own, numbered before `body`
    /// runs, and returns its result with the transaction's txid once it has
    /// committed. Concurrent calls share one SQLite transaction and fsync
    /// (``GroupCommit``), each still its own transaction to the change log:
    /// its own txid, rolled back alone if `body` throws. `body` may run more
    /// than once (a batch is run again when one of its writes throws): it
    /// must do nothing but its reads and writes in `db`.
    @discardableResult
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (Database, UInt64) throws -> T) async throws -> (T, UInt64) {
        let outcome = try await groupCommit.write { db -> (T, UInt64) in
            try db.cachedStatement(sql: "INSERT INTO _qactl_tx(open, origin, committed_ms) VALUES (1, 'qactl', \(SQLiteSchema.nowMilliseconds))").execute()
            let txid = UInt64(db.lastInsertedRowID)
            let result = try body(db, txid)
            try db.cachedStatement(sql: "UPDATE _qactl_tx SET open = 0 WHERE txid = ?").execute(arguments: [Int64(txid)])
            return (result, txid)
        }
        return outcome
    }

    /// Runs `operation`, turning the SQLite failures of the disk under it
    /// (full, read-only, I/O errors, a lock held too long) into `unavailable`
    /// store errors: the write did not happen, and the same request may
    /// succeed later. Callers answer 503 with `retry-after`.
    static func classifyingErrors<T>(_ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch {
            throw classify(error)
        }
    }

    static func classify(_ error: any Error) -> any Error {
        guard let error = error as? DatabaseError else { return error }
        switch error.resultCode {
        case .SQLITE_FULL: return StoreError(.unavailable, "the disk of the database is full: \(describe(error))")
        case .SQLITE_READONLY: return StoreError(.unavailable, "the database cannot be written (read-only): \(describe(error))")
        case .SQLITE_IOERR, .SQLITE_CANTOPEN: return StoreError(.unavailable, "the database's disk failed: \(describe(error))")
        case .SQLITE_BUSY, .SQLITE_LOCKED: return StoreError(.unavailable, "the database is locked by another program: \(describe(error))")
        default: return error
        }
    }

    var catalog: ShapeCatalog { ShapeCatalog(writer: pool) }

    public func saveShape(_ record: ShapeRecord) async throws { try await catalog.save(record) }
    public func deleteShapes(_ handles: [String]) async throws { try await catalog.delete(handles) }
    public func loadShapes() async throws -> [ShapeRecord] { try await catalog.load() }
    public func snapshotChunk(handle: String, index: Int) async throws -> Data? { try await catalog.chunk(handle: handle, index: index) }

    /// Deletes captured changes up to `sequence`, and the transaction numbers
    /// no remaining change refers to (the newest is kept: numbering goes on
    /// from it, and AUTOINCREMENT never reuses one).
    public func compactChanges(through sequence: Int64) async throws {
        try await Self.classifyingErrors {
            try await pool.write { db in
                try db.execute(sql: "DELETE FROM _qactl_changes WHERE seq <= ?", arguments: [sequence])
                try db.execute(sql: """
                    DELETE FROM _qactl_tx WHERE open = 0
                      AND txid < (SELECT coalesce((SELECT min(txid) FROM _qactl_changes), (SELECT max(txid) FROM _qactl_tx)))
                    """)
                try SQLiteFile.releaseFreePages(db)
            }
        }
        await SQLiteFile.truncateWAL(pool)
    }

    /// Whether the database answers a query.
    public func isHealthy() async -> Bool {
        (try? await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    public func close() throws {
        try pool.close()
    }
}
