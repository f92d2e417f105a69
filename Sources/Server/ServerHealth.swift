import Synchronization

/// Degraded states that no single component can see on its own, for
/// `/healthz`: set by the part that knows (the replication pump during a
/// rebuild), read on each health check.
final class ServerHealth: Sendable {
    private let rebuilding = Mutex<String?>(nil)

    /// Every shape is being invalidated after a gap in the change stream.
    func beginRebuild(_ reason: String) { rebuilding.withLock { $0 = reason } }
    func endRebuild() { rebuilding.withLock { $0 = nil } }
    var rebuildReason: String? { rebuilding.withLock { $0 } }
}
