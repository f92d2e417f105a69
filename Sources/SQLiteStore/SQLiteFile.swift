import Foundation
import GRDB
import SyncModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The checks and permissions every SQLite file of the data dir gets before
/// and after it is opened: private to its owner (0600, as the keys), never
/// an empty file taken for a new database, never a damaged one served.
enum SQLiteFile {
    /// Before opening: creates the parent directory (0700) and a missing file
    /// (0600, so SQLite's WAL and shared-memory files get the same mode).
    /// Refuses, unless `startAfresh`, a file of 0 bytes or a missing file
    /// where this data dir had a database (its `.created` marker is there):
    /// either would silently start an empty database under clients that
    /// synced the old one. An empty file without the marker is a first start
    /// that was interrupted, and becomes a new database.
    static func prepare(_ path: String, what: String, startAfresh: Bool) throws(StoreError) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError(.cannotOpen, "cannot create the directory \(directory) for \(what): \(error.localizedDescription)")
            }
        }
        let marker = path + ".created"
        let hadDatabase = FileManager.default.fileExists(atPath: marker)
        var info = stat()
        if stat(path, &info) == 0 {
            _ = chmod(path, 0o600)
            // An empty file is a database only when this data dir never finished making one here
            // (a first start that was interrupted); SQLite takes it as a new database.
            guard info.st_size == 0 else { return }
            guard hadDatabase, !startAfresh else {
                // A new database in the empty file: nothing of an old one may be replayed into it.
                for suffix in ["-wal", "-shm"] { unlink(path + suffix) }
                return
            }
            throw StoreError(
                .corrupt,
                "\(what) \(path) is an empty file (0 bytes): it is not a database, and starting afresh would drop what clients have synced. "
                    + "Restore it from a backup, or start with a new, empty one with --new-database")
        }
        if hadDatabase && !startAfresh {
            let created = ((try? String(contentsOfFile: marker, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            throw StoreError(
                .corrupt,
                "\(what) \(path) is missing, but this data dir had one (created \(created)). "
                    + "Restore it from a backup, or start with a new, empty one with --new-database (clients then refetch everything)")
        }
        for suffix in ["-wal", "-shm"] { unlink(path + suffix) }
        let descriptor = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw StoreError(.cannotOpen, "cannot create \(what) \(path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
    }

    /// Settings that keep the file from growing beyond its data: a new
    /// database vacuums incrementally (``releaseFreePages(_:)`` after the
    /// change log is compacted gives the space back), and the WAL is cut
    /// back to 4 MB after each checkpoint. Both before WAL mode is set up,
    /// which GRDB does right after this runs on the writer. The writer also
    /// keeps its savepoint journals in memory.
    static func limitGrowth(_ configuration: inout Configuration) {
        configuration.prepareDatabase { db in
            guard !db.configuration.readonly else { return }
            // Only takes on a database without tables: older files keep reusing their free pages.
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            try db.execute(sql: "PRAGMA journal_size_limit = 4194304")
            // Group commit runs each write in a savepoint, and a savepoint's
            // journal is a temporary file once it passes 64 KB: two `pwrite`s
            // for every page each write touches, most of a send's syscalls.
            // In memory it is a copy. Only the writer: readers' sorts stay on disk.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
    }

    /// Returns the free pages of an incrementally vacuumed database to the
    /// file system (a no-op on older files).
    static func releaseFreePages(_ db: Database) throws {
        try db.execute(sql: "PRAGMA incremental_vacuum")
    }

    /// Copies the WAL into the database and empties it, after a compaction:
    /// under steady load readers keep checkpoints from finishing and the WAL
    /// grows past its limit. A checkpoint that cannot finish at once is
    /// simply tried again next time.
    static func truncateWAL(_ writer: DatabasePool) async {
        _ = try? await writer.writeWithoutTransaction { db in
            // Waits for readers at most 100 ms, not the 10 s other writers get: writes queue behind it.
            try db.execute(sql: "PRAGMA busy_timeout = 100")
            defer { try? db.execute(sql: "PRAGMA busy_timeout = 10000") }
            try db.checkpoint(.truncate)
        }
    }

    /// After the database opened and passed its checks: remembers that this
    /// data dir has one, so a later start can tell a deleted or emptied file
    /// from a first start.
    static func markCreated(_ path: String) {
        let marker = path + ".created"
        guard !FileManager.default.fileExists(atPath: marker) else { return }
        let text = ISO8601DateFormatter().string(from: Date()) + "\n"
        _ = FileManager.default.createFile(atPath: marker, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
    }

    /// After opening: every commit is synced to disk before it is acknowledged
    /// (`synchronous = FULL`). GRDB's pool sets NORMAL, under which a power cut
    /// can take the last commits, writes clients were already told had
    /// happened. Group commit shares the sync among the writes of a batch.
    static func syncEveryCommit(_ pool: DatabasePool, path: String, what: String) throws(StoreError) {
        do {
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw StoreError(.cannotOpen, "cannot set up \(what) \(path): \(SQLiteDatabase.describe(error))")
        }
    }

    /// After opening: `PRAGMA quick_check`, so a damaged file is refused at
    /// start instead of failing requests at random later.
    static func check(_ pool: DatabasePool, path: String, what: String) throws(StoreError) {
        let verdict: [String]
        do {
            verdict = try pool.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
        } catch {
            throw StoreError(.corrupt, "\(what) \(path) cannot be checked: \(SQLiteDatabase.describe(error))")
        }
        guard verdict == ["ok"] else {
            throw StoreError(
                .corrupt,
                "\(what) \(path) is damaged (PRAGMA quick_check: \(verdict.prefix(3).joined(separator: "; "))). Restore it from a backup")
        }
    }
}
