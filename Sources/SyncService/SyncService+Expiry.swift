import Foundation
import SyncModel

extension SyncService {
    /// How often shapes are checked for expiry and the change log compacted.
    var maintenanceInterval: Duration {
        min(max(configuration.shapeTTL / 4, .milliseconds(100)), .seconds(60))
    }

    /// Drops shapes not read for the TTL (and, beyond `maxShapes`, the least
    /// recently read), then compacts the change log below what the remaining
    /// shapes can still need. A shape with a parked poll is never dropped.
    func maintain(now: ContinuousClock.Instant = .now) async {
        let ttl = configuration.shapeTTL
        let idle = idleShapes()
        var victims = idle.filter { now - $0.lastRead > ttl }.map(\.shape)
        let excess = shapes.count - victims.count - configuration.maxShapes
        if excess > 0 {
            let expired = Set(victims.map(\.handle))
            victims += idle.filter { !expired.contains($0.shape.handle) }.sorted { $0.lastRead < $1.lastRead }.prefix(excess).map(\.shape)
        }
        if !victims.isEmpty {
            let handles = drop(victims, reason: "not read for \(ttl) or beyond --max-shapes")
            // Awaited here, so nothing of the service writes after run() ends.
            try? await store.deleteShapes(handles)
        }
        await compactChangeLog(upTo: await checkpointLogs())
    }

    /// Makes room for one more shape: drops the least recently read idle
    /// shapes once `maxShapes` is reached (a tenth of a percent at a time, so
    /// a burst of new shapes does not scan them all each time).
    func makeRoomForShape() {
        guard shapes.count >= configuration.maxShapes else { return }
        let count = max(1, configuration.maxShapes / 1000)
        let victims = idleShapes().sorted { $0.lastRead < $1.lastRead }.prefix(count).map(\.shape)
        let handles = drop(victims, reason: "beyond --max-shapes (\(configuration.maxShapes)), least recently read")
        // Creating a shape does not wait for this; a failure only leaves rows the next start drops.
        let store = self.store
        Task { try? await store.deleteShapes(handles) }
    }

    /// Shapes that may be dropped (nobody parked on them, not snapshotting), with when they were last read.
    private func idleShapes() -> [(shape: Shape, lastRead: ContinuousClock.Instant)] {
        shapes.values.compactMap { shape in
            shape.withContent { content in
                content.waiters.isEmpty && content.status == .ready ? (shape, content.lastRead) : nil
            }
        }
    }

    /// Forgets `victims` (their clients get 409 and refetch); returns their
    /// handles, for the caller to delete from the store.
    func drop(_ victims: [Shape], reason: String) -> [String] {
        for shape in victims { retire(shape) }
        let handles = victims.map(\.handle)
        logger.info("shapes dropped", metadata: ["count": "\(handles.count)", "reason": "\(reason)"])
        return handles
    }

    /// Deletes change-log entries that no shape can need any more: those
    /// before the position a restart replays from — the shape logs'
    /// `checkpoint` when they are on disk, else the oldest shape's start.
    func compactChangeLog(upTo checkpoint: Int64?) async {
        if configuration.shapeDirectory != nil && checkpoint == nil { return }
        let floor = min(checkpoint ?? shapes.values.map { $0.withContent(\.replayFrom) }.min() ?? position, position)
        guard floor > compactedBelow else { return }
        do {
            try await store.compactChanges(through: floor)
            compactedBelow = floor
        } catch {
            logger.warning("compacting the change log failed; retrying later", metadata: ["error": "\(error)"])
        }
    }
}
