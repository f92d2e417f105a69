import Foundation
import GRDB
import SyncModel
/// Where shapes are kept across restarts: `_qactl_shapes` and their snapshot
/// chunks, in whichever SQLite file the store keeps its change log.
struct ShapeCatalog: Sendable {
    let writer: any DatabaseWriter

    /// The catalog's tables (both store kinds create them in a migration).
    static func createTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS _qactl_shapes (
                handle TEXT PRIMARY KEY NOT NULL,
                definition TEXT NOT NULL,
                snapshot_seq INTEGER NOT NULL,
                snapshot_lsn INTEGER NOT NULL,
                xmin INTEGER NOT NULL,
                xmax INTEGER NOT NULL,
                created_ms INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS _qactl_shape_chunks (
                handle TEXT NOT NULL REFERENCES _qactl_shapes(handle) ON DELETE CASCADE,
                chunk INTEGER NOT NULL,
                body BLOB NOT NULL,
                PRIMARY KEY (handle, chunk)
            );
            """)
    }

    /// Adds the visibility column (a later migration).
    static func addVisibility(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE _qactl_shapes ADD COLUMN visibility TEXT")
    }

    func save(_ record: ShapeRecord) async throws {
        let visibility = String(decoding: try JSONEncoder().encode(record.visibility), as: UTF8.self)
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO _qactl_shapes(handle, definition, snapshot_seq, snapshot_lsn, xmin, xmax, created_ms, visibility)
                    VALUES (?, ?, ?, 0, 0, 0, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), ?)
                    """,
                arguments: [record.handle, String(decoding: record.definition, as: UTF8.self), record.replayFrom, visibility])
            for (index, chunk) in record.chunks.enumerated() {
                try db.execute(sql: "INSERT INTO _qactl_shape_chunks(handle, chunk, body) VALUES (?, ?, ?)", arguments: [record.handle, index, chunk])
            }
        }
    }

    /// Forgets every persisted shape, inside the caller's transaction.
    static func deleteAll(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM _qactl_shape_chunks; DELETE FROM _qactl_shapes")
    }

    func delete(_ handles: [String]) async throws {
        guard !handles.isEmpty else { return }
        try await writer.write { db in
            for handle in handles {
                try db.execute(sql: "DELETE FROM _qactl_shape_chunks WHERE handle = ?", arguments: [handle])
                try db.execute(sql: "DELETE FROM _qactl_shapes WHERE handle = ?", arguments: [handle])
            }
        }
    }

    /// Every persisted shape, oldest first.
    func load() async throws -> [ShapeRecord] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT handle, definition, snapshot_seq, visibility FROM _qactl_shapes ORDER BY created_ms, handle").map { row in
                let handle: String = row[0]
                let sizes = try Int.fetchAll(db, sql: "SELECT length(body) FROM _qactl_shape_chunks WHERE handle = ? ORDER BY chunk", arguments: [handle])
                let definition: String = row[1]
                let replayFrom: Int64 = row[2]
                let visibility = (row[3] as String?).flatMap { try? JSONDecoder().decode(SnapshotVisibility.self, from: Data($0.utf8)) }
                return ShapeRecord(
                    handle: handle, definition: Data(definition.utf8), replayFrom: replayFrom,
                    visibility: visibility ?? .sequence(replayFrom), chunkSizes: sizes)
            }
        }
    }

    func chunk(handle: String, index: Int) async throws -> Data? {
        try await writer.read { db in
            try Data.fetchOne(db, sql: "SELECT body FROM _qactl_shape_chunks WHERE handle = ? AND chunk = ?", arguments: [handle, index])
        }
    }
}
