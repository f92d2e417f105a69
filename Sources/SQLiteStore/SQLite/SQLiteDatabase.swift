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
    /// Called after each of this process's write transactions commits.
    private let commitObservers = Mutex<[@Sendable () -> Void]>([])

    /// `startAfresh`: consent to a new, empty database where the data dir's
    /// is missing or empty (see ``SQLiteFile``).
    public init(path: String, startAfresh: Bool = false) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        // Other processes may hold the write lock for a while (the sqlite3 shell).
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        configuration.label = "qactl"
        try SQLiteFile.prepare(path, what: "the database", startAfresh: startAfresh)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError(.cannotOpen, "cannot open the SQLite database \(path): \(Self.describe(error))")
        }
        try SQLiteFile.check(pool, path: path, what: "the database")
        do {
            try SQLiteSchema.migrator().migrate(pool)
        } catch {
            throw StoreError(.migration, "cannot migrate the SQLite database \(path): \(Self.describe(error))")
        }
        SQLiteFile.markCreated(path)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }

    public var tables: [TableSchema] { DataModel.tables }
    public var sqlDialect: SQLDialect { .sqlite }

    /// Registers `observer` to run after every commit made through ``transaction(_:)``
    /// (the change feed uses it to pick up in-process writes at once).
    public func onCommit(_ observer: @escaping @Sendable () -> Void) {
        commitObservers.withLock { $0.append(observer) }
    }

    /// Runs `body` in one write transaction, numbered before `body` runs, and
    /// returns its result with the transaction's txid once it has committed.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (Database, UInt64) throws -> T) async throws -> (T, UInt64) {
        let outcome = try await Self.classifyingErrors { try await pool.writeWithoutTransaction { db in
            var outcome: (T, UInt64)?
            try db.inTransaction(.immediate) {
                // A transaction some other program left open is complete: it committed.
                try db.execute(sql: "UPDATE _qactl_tx SET open = 0 WHERE open = 1")
                try db.execute(sql: "INSERT INTO _qactl_tx(open, origin, committed_ms) VALUES (1, 'qactl', \(SQLiteSchema.nowMilliseconds))")
                let txid = UInt64(db.lastInsertedRowID)
                let result = try body(db, txid)
                try db.execute(sql: "UPDATE _qactl_tx SET open = 0 WHERE txid = ?", arguments: [Int64(txid)])
                outcome = (result, txid)
                return .commit
            }
            guard let outcome else { throw StoreError(.unavailable, "the write transaction did not commit") }
            return outcome
        } }
        for observer in commitObservers.withLock({ $0 }) { observer() }
        return outcome
    }

    /// Runs `operation`, turning the SQLite failures of the disk under it
    /// (full, read-only, I/O errors, a lock held too long) into `unavailable`
    /// store errors: the write did not happen, and the same request may
    /// succeed later. Callers answer 503 with `retry-after`.
    static func classifyingErrors<T>(_ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch let error as DatabaseError {
            switch error.resultCode {
            case .SQLITE_FULL: throw StoreError(.unavailable, "the disk of the database is full: \(describe(error))")
            case .SQLITE_READONLY: throw StoreError(.unavailable, "the database cannot be written (read-only): \(describe(error))")
            case .SQLITE_IOERR, .SQLITE_CANTOPEN: throw StoreError(.unavailable, "the database's disk failed: \(describe(error))")
            case .SQLITE_BUSY, .SQLITE_LOCKED: throw StoreError(.unavailable, "the database is locked by another program: \(describe(error))")
            default: throw error
            }
        }
    }

    var catalog: ShapeCatalog { ShapeCatalog(writer: pool) }

    public func saveShape(_ record: ShapeRecord) async throws { try await catalog.save(record) }
    public func deleteShapes(_ handles: [String]) async throws { try await catalog.delete(handles) }
    public func loadShapes() async throws -> [ShapeRecord] { try await catalog.load() }

    /// Whether the database answers a query.
    public func isHealthy() async -> Bool {
        (try? await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    public func close() throws {
        try pool.close()
    }
}
