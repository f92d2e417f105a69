import Foundation
import ShapeWire
import SyncModel

/// Shape logs on disk: a file per shape under `shapeDirectory`, and a
/// checkpoint file saying up to which change-log sequence every log is
/// whole and durable. A restart replays the change log only from there, and
/// the change log can be compacted up to there.
extension SyncService {
    static let checkpointFile = "checkpoint"
    static let logSuffix = ".log"

    /// A shape with its log in a file of its own (or in memory, without a directory).
    func makeShape(handle: String, resolved: ResolvedShape) -> Shape {
        let storage = configuration.shapeDirectory.map { ShapeLogFile(path: $0 + "/" + handle + Self.logSuffix) }
        return Shape(handle: handle, resolved: resolved, chunkBytes: configuration.chunkBytes, storage: storage, tailLimit: configuration.logTailBytes)
    }

    /// Writes every shape's tail out, makes the files durable (off the
    /// actor) and records the sequence they are whole up to; returns it (nil
    /// without storage or on failure). A shape whose log cannot be written or
    /// synced is dropped rather than holding every checkpoint back. Shapes
    /// still snapshotting will replay from their own start, so the
    /// checkpoint stays behind it.
    @discardableResult
    func checkpointLogs() async -> Int64? {
        guard let directory = configuration.shapeDirectory else { return nil }
        var through = position
        var syncs: [(Shape, @Sendable () throws -> Void)] = []
        var failed: [Shape] = []
        for shape in shapes.values {
            do {
                let sync: (@Sendable () throws -> Void)? = try shape.withContent { content in
                    switch content.status {
                    case .ready:
                        try content.log.flush()
                        return content.log.storage?.takeSync()
                    case .snapshotting:
                        through = min(through, content.replayFrom)
                        return nil
                    case .failed:
                        return nil
                    }
                }
                if let sync { syncs.append((shape, sync)) }
            } catch {
                logger.error("writing a shape's log failed; the shape is dropped", metadata: ["handle": "\(shape.handle)", "error": "\(error)"])
                failed.append(shape)
            }
        }
        let work = syncs.map(\.1)
        let outcomes: [(any Error)?] = await withCheckedContinuation { done in
            Thread.detachNewThread {
                done.resume(returning: work.map { sync in
                    do { try sync(); return nil } catch { return error }
                })
            }
        }
        for ((shape, _), error) in zip(syncs, outcomes) {
            guard let error else { continue }
            logger.error("syncing a shape's log failed; the shape is dropped", metadata: ["handle": "\(shape.handle)", "error": "\(error)"])
            failed.append(shape)
        }
        if !failed.isEmpty {
            let handles = drop(failed.filter { shapes[$0.handle] === $0 }, reason: "its log could not be written")
            try? await store.deleteShapes(handles)
        }
        do {
            try writeCheckpoint(through, in: directory)
            return through
        } catch {
            logger.warning("writing the shape logs' checkpoint failed; retrying later", metadata: ["error": "\(error)"])
            return nil
        }
    }

    func readCheckpoint() -> Int64? {
        guard let directory = configuration.shapeDirectory,
            let text = try? String(contentsOfFile: directory + "/" + Self.checkpointFile, encoding: .utf8)
        else { return nil }
        return Int64(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Written to a temporary file, made durable, then renamed over the old one.
    private func writeCheckpoint(_ sequence: Int64, in directory: String) throws {
        let path = directory + "/" + Self.checkpointFile
        let temporary = path + ".new"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ShapeStorageError("writing \(temporary) failed: \(String(cString: strerror(errno)))") }
        let text = Array("\(sequence)\n".utf8)
        let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == text.count, synced, rename(temporary, path) == 0 else {
            throw ShapeStorageError("writing \(path) failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Deletes log files of shapes this service does not have (dropped
    /// while it was not running, or left by a crash between the two steps).
    func removeOrphanedLogs() {
        guard let directory = configuration.shapeDirectory else { return }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasSuffix(Self.logSuffix) {
            let handle = String(name.dropLast(Self.logSuffix.count))
            if shapes[handle] == nil { unlink(directory + "/" + name) }
        }
    }
}
