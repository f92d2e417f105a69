import Foundation
import GRDB

extension SQLiteStore {
    public func saveShape(_ record: ShapeRecord) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO _qactl_shapes(handle, definition, snapshot_seq, snapshot_lsn, xmin, xmax, created_ms)
                    VALUES (?, ?, ?, ?, ?, ?, \(SQLiteSchema.nowMilliseconds))
                    """,
                arguments: [record.handle, String(decoding: record.definition, as: UTF8.self), record.snapshotSequence,
                            Int64(record.snapshotLSN), Int64(record.xmin), Int64(record.xmax)])
            for (index, chunk) in record.chunks.enumerated() {
                try db.execute(sql: "INSERT INTO _qactl_shape_chunks(handle, chunk, body) VALUES (?, ?, ?)", arguments: [record.handle, index, chunk])
            }
        }
    }

    public func deleteShapes(_ handles: [String]) async throws {
        guard !handles.isEmpty else { return }
        try await pool.write { db in
            for handle in handles {
                try db.execute(sql: "DELETE FROM _qactl_shape_chunks WHERE handle = ?", arguments: [handle])
                try db.execute(sql: "DELETE FROM _qactl_shapes WHERE handle = ?", arguments: [handle])
            }
        }
    }

    /// Every persisted shape, oldest first.
    public func loadShapes() async throws -> [ShapeRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT handle, definition, snapshot_seq, snapshot_lsn, xmin, xmax FROM _qactl_shapes ORDER BY created_ms, handle").map { row in
                let handle: String = row[0]
                let chunks = try Data.fetchAll(db, sql: "SELECT body FROM _qactl_shape_chunks WHERE handle = ? ORDER BY chunk", arguments: [handle])
                let definition: String = row[1]
                return ShapeRecord(
                    handle: handle, definition: Data(definition.utf8), snapshotSequence: row[2],
                    snapshotLSN: UInt64(row[3] as Int64), xmin: UInt64(row[4] as Int64), xmax: UInt64(row[5] as Int64), chunks: chunks)
            }
        }
    }
}
