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
        shape.replayFrom = position
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
        guard let shape = shapes[handle], case .snapshotting(let held) = shape.state else { return }
        shape.visibility = snapshot.visibility
        shape.snapshotChunks = shape.makeSnapshotChunks(snapshot, chunkBytes: configuration.chunkBytes)
        // Transactions the snapshot already contains are skipped change by
        // change (by sequence); later ones go to the log.
        do {
            try shape.log.storage?.create()
        } catch {
            failSnapshot(handle, error)
            return
        }
        for transaction in held {
            appendToLog(shape, shape.entries(for: transaction))
        }
        // A log that could not be written dropped the shape: it must not come back.
        guard shapes[handle] === shape else { return }
        shape.state = .ready
        shape.wakeAll()
        // On SQLite every change up to the snapshot's sequence is in it: a
        // restart need not replay them for this shape, and the change log can
        // be compacted up to there.
        if case .sequence(let sequence) = snapshot.visibility { shape.replayFrom = max(shape.replayFrom, sequence) }
        // Persisted after the shape is served: a crash before this only costs
        // its clients a 409 and a refetch after the restart.
        let record = ShapeRecord(
            handle: shape.handle, definition: (try? JSONEncoder().encode(shape.resolved.definition)) ?? Data(),
            replayFrom: shape.replayFrom, visibility: snapshot.visibility, chunks: shape.snapshotChunks.map { Data($0.utf8) })
        pendingPersists += 1
        do {
            try await store.saveShape(record)
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
        shape.state = .failed("\(error)")
        remove(shape)
        shape.wakeAll()
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
        for shape in doomed {
            remove(shape)
            shape.state = .failed(Shape.invalidated)
            shape.wakeAll()
        }
        do {
            try await store.deleteShapes(doomed.map(\.handle))
        } catch {
            logger.error("could not forget invalidated shapes", metadata: ["error": "\(error)"])
        }
    }

    func remove(_ shape: Shape) {
        shape.log.storage?.remove()
        shapes[shape.handle] = nil
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

    /// Waits until `shape` has log entries after `offset`, `timeout` passes, the
    /// shape goes away, the service shuts down or the caller is cancelled (a
    /// client that left frees its waiter at once).
    func waitForChange(_ shape: Shape, after offset: Offset, timeout: Duration, presence: (any ClientPresenceSignal)? = nil) async {
        // A shape dropped meanwhile is never woken again: its waiter would park for good.
        guard !isShuttingDown, shapes[shape.handle] === shape, shape.lastOffset <= offset, !Task.isCancelled else { return }
        nextWaiterID += 1
        let id = nextWaiterID
        let handle = shape.handle
        // Runs on the actor only once the waiter below is registered.
        let departure = presence?.whenGone { Task { await self.resumeWaiter(handle, id) } }
        if presence != nil && departure == nil { return }
        defer { if let departure { presence?.withdraw(departure) } }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                shape.waiters[id] = continuation
                deadlines.add(.init(deadline: .now + timeout, handle: handle, id: id), hold: timeout)
                startDeadlineSweeper()
            }
        } onCancel: {
            Task { await self.resumeWaiter(handle, id) }
        }
    }

    /// Starts the one task that times parked polls out, if it is not running;
    /// it ends when no poll is parked.
    private func startDeadlineSweeper() {
        guard !sweeperRunning else { return }
        sweeperRunning = true
        Task { await self.sweepDeadlines() }
    }

    private func sweepDeadlines() async {
        while let next = deadlines.earliest {
            // At most a second at a time: a shorter hold may arrive meanwhile.
            try? await Task.sleep(until: min(next, .now + .seconds(1)), clock: .continuous)
            for entry in deadlines.takeDue(at: .now) { resumeWaiter(entry.handle, entry.id) }
        }
        sweeperRunning = false
    }

    /// Waits until the snapshot of `shape` is done (or failed).
    func waitForSnapshot(_ shape: Shape) async {
        while case .snapshotting = shape.state, !isShuttingDown {
            nextWaiterID += 1
            let id = nextWaiterID
            await withCheckedContinuation { shape.waiters[id] = $0 }
        }
    }

    private func resumeWaiter(_ handle: String, _ id: Int) {
        shapes[handle]?.waiters.removeValue(forKey: id)?.resume()
    }
}
