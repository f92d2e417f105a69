import AppModel
import ChangeFeed
import Hummingbird
import LocalSetup
import Logging
import NIOCore
import SyncService
import Tokens

/// What the routes need: built by ``QACtlServer/run``, or by a test.
struct RouterDependencies: Sendable {
    var store: any AppStore
    var keys: LiveTokenAuthority
    /// Where `/shape` reads: the embedded sync service or a real Electric.
    var upstream: any ShapeUpstream
    /// The embedded sync service (`/v1/shape`, health, metrics); nil behind a real Electric.
    var sync: SyncService?
    var metrics: ServerMetrics
    var health: ServerHealth
    var feed: ReplicationFeed?
    var dataDirectory: DataDirectory
    var shapeTokenLifetime: Duration
    /// Called with (answer id, conversation id) once a question is committed.
    var onQuestion: @Sendable (String, String) -> Void
    var logger: Logger
    /// Whether each connection's client is still there (the connection limiter
    /// tracks it); nil in process, where there are no connections.
    var presences: ClientPresenceRegistry? = nil
    /// The inspector's key (the sync secret); nil keeps `/inspect/api` closed.
    var inspectorSecret: String? = nil
    /// The answer queue, for the inspector; nil when answers are not generated here.
    var answers: AnswerQueue? = nil
    /// `sqlite`, `postgres`, or `electric` behind a real Electric.
    var storeKind = "sqlite"
    /// Who is syncing what, for the inspector (shared with ``LivePolls``).
    var activity = ClientActivity()
}

/// Every route of `qactl serve`, as Hummingbird's templates build them:
/// observability first, then public routes, then the routes behind each kind
/// of token.
func buildRouter(_ dependencies: RouterDependencies) -> Router<APIRequestContext> {
    let router = Router(context: APIRequestContext.self)
    router.add(middleware: ObservabilityMiddleware(metrics: dependencies.metrics, logger: dependencies.logger))
    let authenticator = Authenticator(keys: dependencies.keys)

    HealthRoutes(
        store: dependencies.store, sync: dependencies.sync, feed: dependencies.feed, health: dependencies.health,
        dataDirectory: dependencies.dataDirectory, upstream: dependencies.upstream)
        .register(on: router)
    let (metrics, sync) = (dependencies.metrics, dependencies.sync)
    router.get("/metrics") { _, _ -> Response in
        var fields = HTTPFields()
        fields[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: await metrics.exposition(sync: sync))))
    }
    if let sync { ShapeRoutes(sync: sync, presences: dependencies.presences).register(on: router) }
    ConsoleRoutes().register(on: router)
    let clients = dependencies.activity
    InspectionRoutes(
        sync: sync, tally: metrics.tally, clients: clients, answers: dependencies.answers, feed: dependencies.feed, secret: dependencies.inspectorSecret,
        store: dependencies.storeKind, slots: { metrics.slots }
    ).register(on: router)

    let withAuthToken = router.group().add(middleware: TokenAuthMiddleware(authenticator: authenticator, kind: .auth))
    ShapeTokenRoutes(keys: dependencies.keys, store: dependencies.store, lifetime: dependencies.shapeTokenLifetime).register(on: withAuthToken)
    WriteRoutes(store: dependencies.store, onQuestion: dependencies.onQuestion).register(on: withAuthToken)

    let withShapeToken = router.group().add(middleware: TokenAuthMiddleware(authenticator: authenticator, kind: .shape))
        .add(middleware: ClientActivityMiddleware(activity: clients))
    Gatekeeper(upstream: dependencies.upstream, presences: dependencies.presences).register(on: withShapeToken)
    return router
}

/// The HTTP server around `router`: where it listens, the idle timeout (which
/// also bounds a request head that never completes), the connection cap and
/// HTTP/1.0's rules. `onListening` gets the bound port.
func buildApplication(
    router: Router<APIRequestContext>, limiter: ConnectionLimiter, livePolls: LivePolls?, sends: QuestionSends?, configuration: ServerConfiguration, logger: Logger,
    onListening: @escaping @Sendable (Int) async -> Void
) -> some ApplicationProtocol {
    let idleTimeout = TimeAmount(configuration.idleTimeout)
    return Application(
        router: router,
        server: .http1(configuration: .init(
            additionalChannelHandlers: [limiter.handler(), ParseErrorAnswer(), ConnectionHandlersInstaller(polls: livePolls, sends: sends, bodyTimeout: RequestBodyDeadline.timeout(forIdle: idleTimeout))],
            idleTimeout: idleTimeout)),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "qactl"),
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
        logger: logger)
}
