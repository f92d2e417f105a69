import Foundation
import ShapeWire
import SyncModel

extension SyncService {
    /// The live shape for `resolved`, created (and its snapshot started) if needed.
    func shape(for resolved: ResolvedShape) -> Shape {
        if let handle = handleByIdentity[resolved.identity], let shape = shapes[handle] {
            return shape
        }
        makeRoomForShape()
        let shape = makeShape(handle: newHandle(for: resolved), resolved: resolved)
        // Registered before the snapshot starts, so every transaction the
        // snapshot might miss is held for it.
        shape.withContent { $0.replayFrom = position }
        register(shape)
        let store = self.store
        let handle = shape.handle
        Task {
            do {
                let snapshot = try await store.snapshot(
                    of: resolved.table, query: resolved.snapshotQuery(dialect: store.sqlDialect, includeRows: resolved.definition.log == .full))
                await self.finishSnapshot(handle, snapshot)
            } catch {
                self.failSnapshot(handle, error)
            }
        }
        return shape
    }

    private func finishSnapshot(_ handle: String, _ snapshot: TableSnapshot) async {
        guard let shape = shapes[handle], shape.isSnapshotting else { return }
        do {
            try shape.finishSnapshot(snapshot, chunkBytes: configuration.chunkBytes)
        } catch {
            // A log that cannot be written drops the shape: nothing is served from a log with a hole.
            failSnapshot(handle, error)
            return
        }
        // Persisted after the shape is served: a crash before this only costs
        // its clients a 409 and a refetch after the restart.
        let (replayFrom, body) = shape.withContent { ($0.replayFrom, $0.snapshot) }
        guard case .memory(let chunks) = body else { return }
        let record = ShapeRecord(
            handle: shape.handle, definition: (try? JSONEncoder().encode(shape.resolved.definition)) ?? Data(),
            replayFrom: replayFrom, visibility: snapshot.visibility, chunks: chunks.map { Data($0.utf8) })
        pendingPersists += 1
        do {
            try await store.saveShape(record)
            // Saved: from now on its chunks are read from the store, not kept here.
            shape.withContent { $0.snapshot = .stored(sizes: record.chunkSizes) }
        } catch {
            logger.warning("could not persist shape", metadata: ["handle": "\(shape.handle)", "error": "\(error)"])
        }
        pendingPersists -= 1
        if pendingPersists == 0 {
            let waiting = persistWaiters
            persistWaiters.removeAll()
            for waiter in waiting { waiter.resume() }
        }
    }

    /// Waits until every shape created so far is persisted (shutdown calls this
    /// so a restart finds them).
    public func waitForPersistence() async {
        guard pendingPersists > 0 else { return }
        await withCheckedContinuation { persistWaiters.append($0) }
    }

    private func failSnapshot(_ handle: String, _ error: any Error) {
        guard let shape = shapes[handle] else { return }
        logger.error("snapshot failed", metadata: ["handle": "\(shape.handle)", "error": "\(String(reflecting: error))"])
        retire(shape, reason: "\(error)")
    }

    /// Drops every shape of `tables` (after a TRUNCATE or a schema change):
    /// their clients get a 409 and refetch.
    public func invalidate(tables: [String]) async {
        await invalidate(shapes.values.filter { tables.contains($0.resolved.table.name) })
    }

    /// Drops every shape (after a gap in the change stream): every client
    /// gets a 409 and refetches from a fresh snapshot.
    public func invalidateAll() async {
        await invalidate(Array(shapes.values))
    }

    func invalidate(_ doomed: [Shape]) async {
        for shape in doomed { retire(shape) }
        do {
            try await store.deleteShapes(doomed.map(\.handle))
        } catch {
            logger.error("could not forget invalidated shapes", metadata: ["error": "\(error)"])
        }
    }

    /// Drops `shape` from the registry; its log is deleted and its waiters
    /// find it failed (`reason` ``Shape/invalidated``: their clients refetch its successor).
    func retire(_ shape: Shape, reason: String = Shape.invalidated) {
        shape.retire(reason)
        shapes[shape.handle] = nil
        currentShapes.withLock { _ = $0.removeValue(forKey: shape.handle) }
        if handleByIdentity[shape.resolved.identity] == shape.handle {
            handleByIdentity[shape.resolved.identity] = nil
        }
        router.remove(handle: shape.handle, resolved: shape.resolved)
    }

    /// `<hash of the definition>-<microseconds>`: never reused.
    private func newHandle(for resolved: ResolvedShape) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in resolved.identity.utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        var micros = UInt64(Date().timeIntervalSince1970 * 1_000_000)
        while shapes["\(hash)-\(micros)"] != nil { micros += 1 }
        return "\(hash)-\(micros)"
    }
}
