import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Store
import SyncService

/// `qactl serve`: the HTTP server over the embedded store and sync service.
public struct QACtlServer: Sendable {
    public let configuration: ServerConfiguration

    public init(configuration: ServerConfiguration) {
        self.configuration = configuration
    }

    /// Opens the store, restores shapes, and serves until SIGINT/SIGTERM.
    /// `onListening` gets the bound address once the server accepts connections.
    public func run(onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }) async throws {
        var logger = Logger(label: "qactl")
        logger.logLevel = configuration.logLevel
        let store = try SQLiteStore(path: configuration.databasePath)
        let sync = SyncService(
            store: store,
            configuration: .init(secret: configuration.syncSecret, longPollTimeout: configuration.longPollTimeout, chunkBytes: configuration.chunkBytes),
            logger: logger)
        try await sync.start()

        let router = Router()
        ShapeRoutes(sync: sync).register(on: router)
        HealthRoutes(store: store, sync: sync).register(on: router)

        let host = configuration.host
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "qactl"),
            onServerRunning: { channel in
                await onListening(host, channel.localAddress?.port ?? 0)
            },
            logger: logger)
        // Shut down in reverse order: the feed first (answering live polls), then HTTP.
        let group = ServiceGroup(configuration: .init(
            services: [app, SyncFeedService(sync: sync)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        try store.close()
    }
}
