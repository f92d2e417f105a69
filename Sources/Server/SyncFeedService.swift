import ServiceLifecycle
import SyncService

/// Runs the sync service's change feed under the service group. On graceful
/// shutdown it answers every waiting long-poll first, so the HTTP server can
/// then finish its in-flight requests at once.
struct SyncFeedService: Service {
    let sync: SyncService

    func run() async throws {
        await withGracefulShutdownHandler {
            await sync.run()
        } onGracefulShutdown: {
            Task { await sync.shutdown() }
        }
        await sync.waitForPersistence()
    }
}
