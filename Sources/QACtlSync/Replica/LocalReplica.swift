import Foundation
import GRDB
import ShapeWire

/// A shape's synced rows and stream position in a SQLite file, so the next
/// start shows the rows at once and resumes from the saved offset.
///
/// ```swift
/// let replica = try LocalReplica.open(
///     directory: "~/.cache/qactl", identity: ReplicaIdentity(server: base, user: "alice", shape: "conversations"))
/// let collection = SyncCollection(id: "conversations", shape: configuration, replica: replica)
/// ```
///
/// Each up-to-date batch is saved in one SQLite transaction together with the
/// handle and offset it leads to; a must-refetch clears the file.
public final class LocalReplica: Sendable {
    /// What a replica holds.
    public struct Saved: Sendable {
        /// Synced rows by collection key.
        public let rows: [String: Row]
        /// Where to resume the stream.
        public let position: ShapePosition
        /// Txids the saved rows have synced, oldest first (the newest 10,000 of
        /// them): a write repeated after a restart confirms at once.
        public var seenTxids: [UInt64] = []
    }

    /// The SQLite file.
    public let path: String
    /// Whose rows the file holds.
    public let identity: ReplicaIdentity
    /// Internal: the outbox (LocalReplica+Outbox.swift) shares the file.
    let database: DatabaseQueue

    /// The replica for `identity` in `directory` (created if needed).
    public static func open(directory: String, identity: ReplicaIdentity) throws -> LocalReplica {
        let expanded = try prepareDirectory(directory)
        return try LocalReplica(path: (expanded as NSString).appendingPathComponent(identity.fileName), identity: identity)
    }

    /// Creates `directory` (`~` expanded) for replicas if needed, readable by its
    /// owner alone: it holds conversations and queued questions. Returns its path.
    public static func prepareDirectory(_ directory: String) throws -> String {
        let expanded = (directory as NSString).expandingTildeInPath
        do {
            try FileManager.default.createDirectory(atPath: expanded, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ReplicaError("cannot create replica directory \(expanded): \(error.localizedDescription)")
        }
        return expanded
    }

    /// The replica at `path`; a file holding another identity's rows is emptied.
    public init(path: String, identity: ReplicaIdentity) throws {
        self.path = path
        self.identity = identity
        do {
            // 0600 before SQLite creates it (its journal and WAL take the same mode);
            // an older replica made readable by everyone is narrowed.
            if FileManager.default.fileExists(atPath: path) {
                try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            } else {
                FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            }
            database = try DatabaseQueue(path: path)
            try Self.migrator.migrate(database)
            try database.write { db in
                let stored = try String.fetchOne(db, sql: "SELECT identity FROM replica_state WHERE id = 1")
                if stored != identity.canonical {
                    try db.execute(sql: "DELETE FROM replica_rows")
                    // Another user's (or server's) queued writes must never be sent as this one's.
                    try db.execute(sql: "DELETE FROM outbox_entries")
                    try db.execute(sql: "DELETE FROM outbox_dead_letters")
                    try db.execute(sql: "DELETE FROM replica_txids")
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO replica_state(id, identity, handle, shape_offset, schema) VALUES (1, ?, NULL, NULL, NULL)",
                        arguments: [identity.canonical])
                }
            }
        } catch let error as ReplicaError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB {
            throw ReplicaError("replica \(path) is damaged: \(error.message ?? "\(error)")", isDamaged: true)
        } catch {
            throw ReplicaError("cannot open replica \(path): \(error)")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE replica_rows(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                CREATE TABLE replica_state(
                    id INTEGER PRIMARY KEY CHECK (id = 1), identity TEXT NOT NULL,
                    handle TEXT, shape_offset TEXT, schema TEXT);
                """)
        }
        migrator.registerMigration("v2-outbox") { db in
            // seq is the send order; key is the write's idempotency key.
            try db.execute(sql: """
                CREATE TABLE outbox_entries(
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, operation TEXT NOT NULL,
                    payload TEXT NOT NULL, collection TEXT NOT NULL, rows TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, enqueued_at REAL NOT NULL);
                CREATE TABLE outbox_dead_letters(
                    seq INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, operation TEXT NOT NULL,
                    payload TEXT NOT NULL, collection TEXT NOT NULL, rows TEXT NOT NULL,
                    attempts INTEGER NOT NULL, enqueued_at REAL NOT NULL,
                    error_code TEXT NOT NULL, error_message TEXT NOT NULL, error_status INTEGER NOT NULL, failed_at REAL NOT NULL);
                """)
        }
        migrator.registerMigration("v3-seen-txids") { db in
            // A queued write delivered again after a restart gets its original txid
            // back; if the rows already synced it, only this says so.
            try db.execute(sql: "CREATE TABLE replica_txids(seq INTEGER PRIMARY KEY AUTOINCREMENT, txid INTEGER NOT NULL)")
        }
        return migrator
    }

    /// The saved rows and position, or nil when there is nothing to resume from.
    public func load() throws -> Saved? {
        do {
            return try database.read { db -> Saved? in
                guard let state = try GRDB.Row.fetchOne(db, sql: "SELECT handle, shape_offset, schema FROM replica_state WHERE id = 1"),
                    let handle: String = state["handle"], let offsetText: String = state["shape_offset"],
                    let offset = Offset(offsetText)
                else { return nil }
                var rows: [String: Row] = [:]
                let cursor = try GRDB.Row.fetchCursor(db, sql: "SELECT key, value FROM replica_rows")
                while let stored = try cursor.next() {
                    rows[stored["key"]] = try Self.decode(stored["value"])
                }
                var saved = Saved(rows: rows, position: ShapePosition(handle: handle, offset: offset, schema: state["schema"]))
                saved.seenTxids = try Int64.fetchAll(db, sql: "SELECT txid FROM replica_txids ORDER BY seq").map { UInt64(bitPattern: $0) }
                return saved
            }
        } catch {
            throw ReplicaError("cannot read replica \(path): \(error)")
        }
    }

    /// Forgets every row and the position: the next start syncs from scratch.
    public func clear() throws {
        do {
            try database.write { db in
                try db.execute(sql: "DELETE FROM replica_rows")
                try db.execute(sql: "UPDATE replica_state SET handle = NULL, shape_offset = NULL, schema = NULL WHERE id = 1")
            }
        } catch {
            throw ReplicaError("cannot clear replica \(path): \(error)")
        }
    }

    /// Saves one stream event: a batch with its position, in one transaction; a must-refetch clears.
    func save(_ event: ShapeEvent, keyColumns: [String]) throws {
        guard case .batch(let batch) = event else { return try clear() }
        do {
            try database.write { db in
                if batch.replacesRows { try db.execute(sql: "DELETE FROM replica_rows") }
                for change in batch.changes {
                    let key = RowKey.make(change.value, columns: keyColumns) ?? change.key
                    switch change.operation {
                    case .insert:
                        try db.execute(
                            sql: "INSERT OR REPLACE INTO replica_rows(key, value) VALUES (?, ?)", arguments: [key, try Self.encode(change.value)])
                    case .update:
                        guard let stored = try String.fetchOne(db, sql: "SELECT value FROM replica_rows WHERE key = ?", arguments: [key]) else {
                            continue
                        }
                        let merged = try Self.decode(stored).merging(change.value)
                        try db.execute(sql: "UPDATE replica_rows SET value = ? WHERE key = ?", arguments: [try Self.encode(merged), key])
                    case .delete:
                        try db.execute(sql: "DELETE FROM replica_rows WHERE key = ?", arguments: [key])
                    }
                }
                var txids = Set<UInt64>()
                for txid in batch.changes.flatMap(\.txids) where txids.insert(txid).inserted {
                    try db.cachedStatement(sql: "INSERT INTO replica_txids(txid) VALUES (?)").execute(arguments: [Int64(bitPattern: txid)])
                }
                if !txids.isEmpty {
                    try db.execute(
                        sql: "DELETE FROM replica_txids WHERE seq <= (SELECT max(seq) FROM replica_txids) - ?", arguments: [TxIdTracker.capacity])
                }
                try db.execute(
                    sql: "UPDATE replica_state SET handle = ?, shape_offset = ?, schema = ? WHERE id = 1",
                    arguments: [batch.position.handle, batch.position.offset.description, batch.position.schema])
            }
        } catch {
            throw ReplicaError("cannot save to replica \(path): \(error)")
        }
    }

    /// Test hook: overwrites the saved handle (to provoke a 409 on resume).
    func overwriteHandle(_ handle: String) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE replica_state SET handle = ? WHERE id = 1", arguments: [handle])
        }
    }

    static func encode(_ row: Row) throws -> String {
        String(decoding: try JSONEncoder().encode(row.values), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> Row {
        Row(try JSONDecoder().decode([String: String?].self, from: Data(text.utf8)))
    }
}

/// The replica file could not be opened, read or written.
public struct ReplicaError: SyncClientError, Equatable {
    /// Which file and what failed.
    public let message: String
    /// The file is not a readable SQLite database (truncated, overwritten):
    /// opening it again will not help; move it aside and start afresh.
    public let isDamaged: Bool
    public var code: String { "replica_unavailable" }

    init(_ message: String, isDamaged: Bool = false) {
        self.message = message
        self.isDamaged = isDamaged
    }
}
