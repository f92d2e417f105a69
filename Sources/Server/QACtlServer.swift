import Answering
import AppModel
import AsyncHTTPClient
import Foundation
import Hummingbird
import LocalSetup
import Logging
import PostgresStore
import ServiceLifecycle
import SQLiteStore
import SyncModel
import SyncService
import Tokens
import UnixSignals
/// `qactl serve`: the API, the gatekeeper and the embedded sync service over the
/// embedded store.
///
/// ```swift
/// let server = try await QACtlServer.open(configuration)
/// try await server.run { host, port in print("listening on \(host):\(port)") }
/// ```
public struct QACtlServer: Sendable {
    public let configuration: ServerConfiguration
    public let store: any AppStore
    /// The embedded store, when the server runs on SQLite.
    public let sqlite: SQLiteDatabase?
    /// PostgreSQL and its replication, when the server runs on it.
    public let postgres: PostgresBackend?
    /// The embedded sync service; nil when a real Electric serves shapes.
    public let sync: SyncService?
    public let keys: LiveTokenAuthority
    let metrics: ServerMetrics
    let answers: AnswerQueue
    /// The answerer's HTTP client, if it has one (shut down with the server).
    let answererClient: HTTPClient?
    let logger: Logger
    /// Held while this server runs the embedded sync service on its data dir.
    let servingLock: ServingLock?

    /// How long a graceful shutdown may take before running work is cancelled.
    public static let shutdownGrace: Duration = .seconds(10)

    /// Opens the store (creating and migrating it), loads the signing keys
    /// (creating them on first run) and restores the shapes.
    public static func open(_ configuration: ServerConfiguration) async throws -> QACtlServer {
        var logger = Logger(label: "qactl")
        logger.logLevel = configuration.logLevel
        let data = DataDirectory(configuration.dataDirectory, keysDirectory: configuration.keysDirectory)
        // Only one change feed per data dir; a gatekeeper in front of it (--electric-url) runs none.
        let servingLock = configuration.electricURL == nil ? try data.lockForServing() : nil
        try data.createIfMissing()
        if let problem = data.writabilityProblem() {
            throw DataDirectoryError(description: problem + "; qactl keeps its database, keys and shapes there")
        }
        let keys = try LiveTokenAuthority(store: data.keyStore) { [logger] problem in logger.error("\(problem)") }
        let store: any AppStore
        let source: (any ShapeSource)?
        var sqlite: SQLiteDatabase?
        var postgres: PostgresBackend?
        if let url = configuration.postgresURL {
            let backend = try await PostgresBackend.open(
                url: url, logPath: data.replicationLog, startAfresh: configuration.newDatabase,
                replicate: configuration.electricURL == nil, answerLease: configuration.answerLease, logger: logger)
            (store, source, postgres) = (backend.database, backend.source, backend)
        } else {
            let embedded = try SQLiteDatabase(path: configuration.databasePath, startAfresh: configuration.newDatabase)
            (store, source, sqlite) = (embedded, embedded, embedded)
        }
        var sync: SyncService?
        if configuration.electricURL == nil, let source {
            let service = SyncService(
                store: source,
                configuration: .init(
                    secret: configuration.syncSecret, longPollTimeout: configuration.longPollTimeout, chunkBytes: configuration.chunkBytes,
                    maxSnapshotRequests: configuration.maxSnapshotRequests, maxLiveRequests: configuration.maxLiveRequests,
                    shapeTTL: configuration.shapeTTL, maxShapes: configuration.maxShapes,
                    sseTimeout: configuration.sseTimeout, allowsShapeDeletion: configuration.allowsShapeDeletion, shapeDirectory: data.shapeLogs),
                logger: logger)
            try await service.start()
            sync = service
        }
        let metrics = ServerMetrics()
        let (answerer, answererClient) = try configuration.answerer.make(timeout: configuration.answerTimeout, logger: logger)
        let answers = AnswerQueue(store: store, answerer: answerer, concurrency: configuration.answerConcurrency, logger: logger, metrics: metrics)
        return QACtlServer(
            configuration: configuration, store: store, sqlite: sqlite, postgres: postgres, sync: sync, keys: keys, metrics: metrics, answers: answers,
            answererClient: answererClient, logger: logger, servingLock: servingLock)
    }

    /// Serves until one of `shutdownSignals` arrives or `shutdown` is triggered.
    /// `onListening` gets the bound address once the server accepts connections.
    public func run(
        shutdownSignals: [UnixSignal] = [.sigterm, .sigint], shutdown: ShutdownSwitch? = nil,
        onListening: @escaping @Sendable (String, Int) async -> Void = { _, _ in }
    ) async throws {
        var httpClient: HTTPClient?
        let upstream: any ShapeUpstream
        if let electric = configuration.electricURL {
            // Reads and connects are bounded; a live request may take the whole hold and then some.
            let hold = configuration.longPollTimeout + .seconds(15)
            let client = HTTPClient(
                eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                configuration: .init(timeout: .init(connect: .seconds(5), read: .seconds(hold.components.seconds))))
            httpClient = client
            upstream = ElectricUpstream(baseURL: electric, secret: configuration.electricSecret, client: client, deadline: hold, logger: logger)
        } else if let sync {
            upstream = EmbeddedUpstream(sync: sync)
        } else {
            throw StoreError(.unavailable, "no sync service is configured")
        }

        let health = ServerHealth()
        let answers = self.answers
        let answering: Bool
        if case .none = configuration.answerer { answering = false } else { answering = true }
        let limiter = ConnectionLimiter(limit: ConnectionLimiter.cap(configured: configuration.maxConnections), logger: logger)
        let activity = ClientActivity()
        let onQuestion: @Sendable (String, String) -> Void = { answerID, _ in
            if answering { Task { await answers.enqueue(answerID) } }
        }
        let router = buildRouter(RouterDependencies(
            store: store, keys: keys, upstream: upstream, sync: sync, metrics: metrics, health: health, feed: postgres?.feed,
            dataDirectory: DataDirectory(configuration.dataDirectory), shapeTokenLifetime: configuration.shapeTokenLifetime,
            onQuestion: onQuestion,
            logger: logger, presences: limiter.presences, inspectorSecret: configuration.syncSecret, answers: answering ? answers : nil,
            storeKind: configuration.electricURL != nil ? "electric" : postgres != nil ? "postgres" : "sqlite", activity: activity))
        // Live polls on the embedded service are parked without a task (see LivePolls).
        let livePolls = sync.map {
            LivePolls(sync: $0, gatekeeperIsEmbedded: upstream is EmbeddedUpstream, keys: keys, activity: activity, presences: limiter.presences,
                      metrics: metrics, logger: logger)
        }

        let host = configuration.host
        // So are sends (see QuestionSends).
        let sends = QuestionSends(store: store, keys: keys, onQuestion: onQuestion, metrics: metrics, logger: logger)
        let app = buildApplication(router: router, limiter: limiter, livePolls: livePolls, sends: sends, configuration: configuration, logger: logger) { port in
            await onListening(host, port)
        }
        // Shut down in reverse order: answers first (their last writes still
        // sync), then the feed (answering live polls), then HTTP, and the
        // PostgreSQL pool last, so everything before it can still write.
        let watch = ShutdownWatch(grace: Self.shutdownGrace / 2, logger: logger)
        var services: [any Service] = []
        if let postgres { services.append(watch.watch(PoolService(task: postgres.poolTask), as: "the PostgreSQL pool")) }
        services.append(watch.watch(app, as: "the HTTP server"))
        if let postgres, let feed = postgres.feed, let log = postgres.log {
            let handlers = ReplicationPump.Handlers(
                invalidateTables: { [sync] tables in await sync?.invalidate(tables: tables) },
                rebuildAll: { [sync] reason in
                    health.beginRebuild(reason)
                    await sync?.invalidateAll()
                    health.endRebuild()
                })
            services.append(watch.watch(ReplicationPump(feed: feed, log: log, logger: logger, handlers: handlers), as: "the replication feed"))
            services.append(watch.watch(
                SlotMonitor(client: postgres.database.client, ownSlot: postgres.database.instance, metrics: metrics, logger: logger),
                as: "the slot monitor"))
        }
        if let sync { services.append(watch.watch(SyncFeedService(sync: sync), as: "the sync service")) }
        if answering { services.append(watch.watch(AnswerService(queue: answers, takeOverInterval: configuration.answerLease / 3), as: "answer generation")) }
        var groupConfiguration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: shutdownSignals, logger: logger)
        // A shutdown that waits on something stuck (a database that went away)
        // is escalated to cancellation.
        groupConfiguration.maximumGracefulShutdownDuration = Self.shutdownGrace
        let group = ServiceGroup(configuration: groupConfiguration)
        await shutdown?.attach(group)
        var failure: (any Error)?
        do {
            try await group.run()
        } catch {
            failure = error
        }
        // One way out, whether the group ended cleanly or not.
        try? await httpClient?.shutdown()
        try? await answererClient?.shutdown()
        postgres?.poolTask.cancel()
        if let sqlite {
            // Closing waits for the pool's connections: off the cooperative threads.
            let closed: Result<Void, any Error> = await withCheckedContinuation { done in
                Thread.detachNewThread { done.resume(returning: Result { try sqlite.close() }) }
            }
            if case .failure(let error) = closed, failure == nil { failure = error }
        }
        if let failure { throw failure }
    }
}

/// Shuts a running ``QACtlServer`` down gracefully from code, as SIGTERM would.
public actor ShutdownSwitch {
    private var group: ServiceGroup?
    private var triggered = false

    public init() {}

    func attach(_ group: ServiceGroup) async {
        self.group = group
        if triggered { await group.triggerGracefulShutdown() }
    }

    public func trigger() async {
        triggered = true
        await group?.triggerGracefulShutdown()
    }
}
