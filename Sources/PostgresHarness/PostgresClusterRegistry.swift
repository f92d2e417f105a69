import Foundation

/// Clusters still running when the process exits (say, one kept in a
/// `static let` for a whole test suite, whose `deinit` never runs) are
/// stopped by an `atexit` handler, so no server or temp directory outlives
/// the tests.
enum PostgresClusterRegistry {
    private final class WeakCluster: @unchecked Sendable {
        // Written once at creation; `weak` loads are atomic in Swift.
        weak var cluster: PostgresCluster?
        init(_ cluster: PostgresCluster) { self.cluster = cluster }
    }

    /// `@unchecked Sendable` through `Locked`-style use: `clusters` is only
    /// touched while holding `lock`.
    private final class Storage: @unchecked Sendable {
        let lock = NSLock()
        var clusters: [WeakCluster] = []
    }

    private static let storage: Storage = {
        atexit { PostgresClusterRegistry.stopAll() }
        return Storage()
    }()

    static func add(_ cluster: PostgresCluster) {
        storage.lock.lock()
        defer { storage.lock.unlock() }
        storage.clusters.removeAll { $0.cluster == nil }
        storage.clusters.append(WeakCluster(cluster))
    }

    static func stopAll() {
        storage.lock.lock()
        let clusters = storage.clusters.compactMap(\.cluster)
        storage.clusters = []
        storage.lock.unlock()
        for cluster in clusters { try? cluster.stop() }
    }
}
