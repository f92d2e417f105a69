import Foundation
import GRDB
import ShapeWire
import Synchronization
import SyncModel
/// The durable log of transactions replicated from PostgreSQL, in a SQLite file
/// of the data dir. The sync service rebuilds shape logs from it after a
/// restart, so the replication slot is only confirmed up to what is stored here.
public final class FeedLog: Sendable {
    public let path: String
    let queue: DatabasePool
    private let observers = CommitObservers()
    /// What ``append(contentsOf:confirmedLSN:)`` stored last, for ``transactions(afterSequence:limit:)``.
    /// A replication batch can be thousands of changes: room for a few.
    private let recent = RecentTransactions(capacity: 4_096)

    public init(path: String, startAfresh: Bool = false) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "qactl-feed"
        SQLiteFile.limitGrowth(&configuration)
        try SQLiteFile.prepare(path, what: "the replication log", startAfresh: startAfresh)
        do {
            // WAL, as the embedded store: reads never wait for writes. Commits are
            // made durable in bulk by `syncToDisk()` before the slot is confirmed.
            queue = try DatabasePool(path: path, configuration: configuration)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1: replicated changes, meta, shapes") { db in
                try db.execute(sql: """
                    CREATE TABLE feed_changes (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        txid INTEGER NOT NULL,
                        lsn INTEGER NOT NULL,
                        committed_ms INTEGER,
                        op_position INTEGER NOT NULL,
                        tbl TEXT NOT NULL,
                        op TEXT NOT NULL,
                        old_row TEXT,
                        new_row TEXT
                    );
                    CREATE TABLE feed_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                    """)
                try ShapeCatalog.createTables(db)
                try ShapeCatalog.addVisibility(db)
            }
            try migrator.migrate(queue)
        } catch {
            throw StoreError(.cannotOpen, "cannot open the replication log \(path): \(SQLiteDatabase.describe(error))")
        }
        try SQLiteFile.check(queue, path: path, what: "the replication log")
        SQLiteFile.markCreated(path)
    }

    var catalog: ShapeCatalog { ShapeCatalog(writer: queue) }

    public func onCommit(_ observer: @escaping @Sendable () -> Void) {
        observers.add(observer)
    }

    // MARK: - Meta

    public func meta(_ key: String) async throws -> String? {
        try await queue.read { db in try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM feed_meta WHERE key = ?"), arguments: [key]) }
    }

    public func setMeta(_ key: String, _ value: String) async throws {
        try await queue.write { db in
            try Self.setMeta(db, key, value)
        }
    }

    /// Cached statements here and in the log's other per-batch reads and
    /// writes: preparing them again for every appended batch was most of an
    /// append's CPU time under load.
    private static func setMeta(_ db: Database, _ key: String, _ value: String) throws {
        try db.cachedStatement(sql: "INSERT INTO feed_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .execute(arguments: [key, value])
    }

    /// After a gap in the replication stream (a lost slot replaced by one
    /// that streams from `lsn`), in one transaction: every persisted shape is
    /// forgotten (they may miss changes; a crash right after this must not
    /// bring them back), the next transactions are taken whatever the last
    /// stored position was, and a restart resumes from `lsn`. The caller then
    /// drops the shapes it holds in memory.
    public func startOver(at lsn: UInt64) async throws {
        try await queue.write { db in
            try ShapeCatalog.deleteAll(db)
            try Self.setMeta(db, "last_lsn", String(lsn > 0 ? lsn - 1 : 0))
            try Self.setMeta(db, "confirmed_lsn", String(lsn))
        }
    }

    /// Makes every commit so far durable: the log commits without waiting
    /// for the disk (SQLite's `synchronous = NORMAL`, so a batch's changes
    /// reach their shapes without a sync on the way), and the replication
    /// slot is confirmed only up to what this has synced. Commits already
    /// checkpointed into the database were synced by the checkpoint; the rest
    /// are in the WAL, which this syncs, off the caller's thread.
    public func syncToDisk() async throws {
        let wal = path + "-wal"
        let failure: String? = await withCheckedContinuation { done in
            Thread.detachNewThread {
                let descriptor = open(wal, O_RDONLY | O_CLOEXEC)
                // No WAL: the last connection closed it after a full checkpoint.
                guard descriptor >= 0 else { return done.resume(returning: errno == ENOENT ? nil : String(cString: strerror(errno))) }
                defer { close(descriptor) }
                done.resume(returning: fdatasync(descriptor) == 0 ? nil : String(cString: strerror(errno)))
            }
        }
        if let failure { throw StoreError(.failed, "cannot sync the replication log \(wal): \(failure)") }
    }

    // MARK: - Writing

    /// Appends a replicated transaction, unless one at or past its commit
    /// position is already stored (a replay after a reconnect). Returns whether it was new.
    @discardableResult
    public func append(_ transaction: CommittedTransaction) async throws -> Bool {
        try await append(contentsOf: [transaction]) == 1
    }

    /// Appends replicated transactions in commit order in one SQLite
    /// transaction (one fsync for the batch), skipping those at or before the
    /// stored position, and records `confirmedLSN` (the position the slot is
    /// then confirmed to) in the same commit. Returns how many were new.
    @discardableResult
    public func append(contentsOf transactions: [CommittedTransaction], confirmedLSN: UInt64? = nil) async throws -> Int {
        let stored = try await queue.write { db -> [CommittedTransaction] in
            if let confirmedLSN { try Self.setMeta(db, "confirmed_lsn", String(confirmedLSN)) }
            var last = UInt64(try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM feed_meta WHERE key = 'last_lsn'")).flatMap(Int64.init) ?? 0)
            let insert = try db.cachedStatement(
                sql: "INSERT INTO feed_changes(txid, lsn, committed_ms, op_position, tbl, op, old_row, new_row) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            var stored: [CommittedTransaction] = []
            for transaction in transactions where transaction.lsn > last {
                var changes: [RowChange] = []
                changes.reserveCapacity(transaction.changes.count)
                for change in transaction.changes {
                    try insert.execute(arguments: [
                        Int64(transaction.txid), Int64(transaction.lsn), transaction.committedAtMilliseconds, change.opPosition,
                        change.table, change.operation.rawValue, Self.encode(change.old), Self.encode(change.new)])
                    // As a read of the file gives it back: the stored change with its sequence.
                    changes.append(RowChange(table: change.table, operation: change.operation, old: change.old, new: change.new,
                                             opPosition: change.opPosition, sequence: db.lastInsertedRowID))
                }
                last = transaction.lsn
                stored.append(CommittedTransaction(txid: transaction.txid, lsn: transaction.lsn,
                                                   committedAtMilliseconds: transaction.committedAtMilliseconds, changes: changes))
            }
            if !stored.isEmpty { try Self.setMeta(db, "last_lsn", String(last)) }
            return stored
        }
        guard !stored.isEmpty else { return 0 }
        // Committed: readers may take these from memory, then learn there is more.
        recent.published(stored)
        observers.notify()
        return stored.count
    }

    static func encode(_ row: [String: String?]?) -> String? {
        guard let row else { return nil }
        return JSONText.row(row, columns: row.keys.sorted())
    }

    // MARK: - Reading

    public func lastSequence() async throws -> Int64 {
        try await queue.read { db in try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce((SELECT max(seq) FROM feed_changes), (SELECT seq FROM sqlite_sequence WHERE name = 'feed_changes'))")) ?? 0 }
    }

    public func lastLSN() async throws -> UInt64 {
        UInt64(try await meta("last_lsn").flatMap(Int64.init) ?? 0)
    }

    /// What ``append(contentsOf:confirmedLSN:)`` stored last, when it is all
    /// there is after `sequence` (the pump is this log's only writer).
    public func recentTransactions(afterSequence sequence: Int64, limit: Int) -> [CommittedTransaction]? {
        recent.transactions(afterSequence: sequence, limit: limit)
    }

    /// Whole transactions with changes after `sequence`, in commit order; a
    /// transaction is never split (one larger than `limit` comes alone).
    public func transactions(afterSequence sequence: Int64, limit: Int) async throws -> [CommittedTransaction] {
        if let held = recent.transactions(afterSequence: sequence, limit: limit) { return held }
        return try await queue.read { db in
            let columns = "seq, txid, lsn, committed_ms, op_position, tbl, op, old_row, new_row"
            var rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT \(columns) FROM feed_changes WHERE seq > ? ORDER BY seq LIMIT ?"), arguments: [sequence, limit])
            if rows.count == limit, let lastLSN = rows.last?[2] as Int64? {
                if rows.first?[2] as Int64? == lastLSN {
                    rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT \(columns) FROM feed_changes WHERE seq > ? AND lsn = ? ORDER BY seq"), arguments: [sequence, lastLSN])
                } else {
                    rows.removeAll { ($0[2] as Int64) == lastLSN }
                }
            }
            var transactions: [CommittedTransaction] = []
            var index = 0
            while index < rows.count {
                let lsn: Int64 = rows[index][2]
                var end = index
                while end < rows.count, (rows[end][2] as Int64) == lsn { end += 1 }
                let changes = try rows[index..<end].map { row in
                    RowChange(
                        table: row[5], operation: RowChange.Operation(rawValue: row[6]) ?? .update,
                        old: try SQLiteDatabase.decodeRow(row[7]), new: try SQLiteDatabase.decodeRow(row[8]),
                        opPosition: row[4], sequence: row[0])
                }
                transactions.append(CommittedTransaction(
                    txid: UInt64(rows[index][1] as Int64), lsn: UInt64(lsn), committedAtMilliseconds: rows[index][3], changes: changes))
                index = end
            }
            return transactions
        }
    }

    public func saveShape(_ record: ShapeRecord) async throws { try await catalog.save(record) }
    public func deleteShapes(_ handles: [String]) async throws { try await catalog.delete(handles) }
    public func loadShapes() async throws -> [ShapeRecord] { try await catalog.load() }
    public func snapshotChunk(handle: String, index: Int) async throws -> Data? { try await catalog.chunk(handle: handle, index: index) }

    /// Deletes replicated changes up to `sequence` (PostgreSQL keeps the
    /// data; this log only has to hold what a shape may still replay).
    public func compactChanges(through sequence: Int64) async throws {
        try await queue.write { db in
            try db.execute(sql: "DELETE FROM feed_changes WHERE seq <= ?", arguments: [sequence])
            try SQLiteFile.releaseFreePages(db)
        }
        await SQLiteFile.truncateWAL(queue)
    }
}
