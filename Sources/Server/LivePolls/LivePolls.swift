import Foundation
import HTTPTypes
import Logging
import NIOCore
import ShapeWire
import Synchronization
import SyncService
import Tokens

/// Live long-polls on the embedded sync service (`GET /shape?…&live=true`
/// through the gatekeeper, `GET /v1/shape?…&live=true` with the secret),
/// answered outside Hummingbird's handler chain.
///
/// A request in the router runs in its connection's task, and a parked poll
/// keeps every frame of that chain (router, middleware, gatekeeper, sync
/// service) for up to the poll timeout. Here a poll is parked on its shape as
/// a callback instead: nothing runs and no task exists while it waits, and
/// its answer is built and written on the connection's event loop when it
/// wakes. It does what the router would: the same token check, the same
/// rebuilt query, the same answer and headers, metrics, log line and client
/// activity. Whatever it does not fully handle — a refused token, a
/// malformed request, SSE, HTTP/1.0, a connection about to close — it hands
/// back to the router untouched, which answers it as before.
final class LivePolls: Sendable {
    enum Route: Sendable {
        /// `/shape`: the shape token decides the table, `where` and params.
        case gatekeeper
        /// `/v1/shape`: the caller knows the secret.
        case sync

        var path: String {
            switch self {
            case .gatekeeper: "/shape"
            case .sync: "/v1/shape"
            }
        }
    }

    let sync: SyncService
    /// Whether `/shape` is the embedded service's (not a relay to a real Electric).
    let gatekeeperIsEmbedded: Bool
    let keys: LiveTokenAuthority
    let activity: ClientActivity
    let presences: ClientPresenceRegistry
    let metrics: ServerMetrics
    let logger: Logger

    init(sync: SyncService, gatekeeperIsEmbedded: Bool, keys: LiveTokenAuthority, activity: ClientActivity, presences: ClientPresenceRegistry,
         metrics: ServerMetrics, logger: Logger) {
        self.sync = sync
        self.gatekeeperIsEmbedded = gatekeeperIsEmbedded
        self.keys = keys
        self.activity = activity
        self.presences = presences
        self.metrics = metrics
        self.logger = logger
    }

    private static let versionField = HTTPField.Name(HTTP10KeepAlive.versionHeader)!

    /// Which route a request head is for, if this path takes it: a GET on
    /// HTTP/1.1 with a Host, a URL within the limit, no `connection: close`,
    /// asking for a live long-poll (not SSE).
    func route(_ head: HTTPRequest) -> Route? {
        guard head.method == .get, let target = head.path, target.utf8.count <= ObservabilityMiddleware.maximumURILength,
            head.authority?.isEmpty == false, head.headerFields[Self.versionField] == nil,
            head.headerFields[.connection].map({ !$0.lowercased().containsBytes("close") }) ?? true
        else { return nil }
        let (path, query) = Self.split(target)
        let route: Route
        switch path {
        case "/shape" where gatekeeperIsEmbedded: route = .gatekeeper
        case "/v1/shape": route = .sync
        default: return nil
        }
        // A cheap look first (SSE streams stay with the router); the query is parsed for
        // real when the poll is answered.
        guard query.containsBytes("live=true"), !query.containsBytes("live_sse") else { return nil }
        return route
    }

    /// Answers the poll right here, on the connection's event loop, when it
    /// names a ready shape at an offset in its log and its token was verified
    /// recently (the usual case for a follower between two changes): no task,
    /// no actor visit. False, with nothing done, when ``answer(_:route:channel:schedule:deliver:handBack:)``
    /// must take it instead.
    func answerAtOnce(
        _ head: HTTPRequest, route: Route, channel: any Channel,
        schedule: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void,
        deliver: @escaping @Sendable (HTTPResponse, ByteBuffer) -> Void
    ) -> Bool {
        let start = ContinuousClock.now
        var identity: VerifiedToken?
        if route == .gatekeeper {
            guard let token = head.headerFields.bearerToken, let known = keys.current.verifiedRecently(token, as: .shape) else { return false }
            identity = known
        }
        guard let poll = call(head, route: route, channel: channel, identity: identity),
            let claim = sync.claimLivePoll(poll.call, trusted: route == .gatekeeper)
        else { return false }
        sync.serve(claim, schedule: schedule, deliver: reply(poll, route: route, since: start, deliver: deliver))
        return true
    }

    /// Answers the poll through `deliver`, or calls `handBack` (exactly one
    /// of them, once) when the router should answer it instead. `schedule`
    /// runs a woken poll's work on the connection's event loop.
    func answer(
        _ head: HTTPRequest, route: Route, channel: any Channel,
        schedule: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void,
        deliver: @escaping @Sendable (HTTPResponse, ByteBuffer) -> Void,
        handBack: @Sendable () -> Void
    ) async {
        let start = ContinuousClock.now
        var identity: VerifiedToken?
        if route == .gatekeeper {
            // Any refusal is the router's to word (the same check, the same error).
            guard let token = head.headerFields.bearerToken, let verified = try? await keys.current.verify(token, as: .shape) else {
                return handBack()
            }
            identity = verified
        }
        guard let poll = call(head, route: route, channel: channel, identity: identity) else { return handBack() }
        await sync.respond(poll.call, trusted: route == .gatekeeper, schedule: schedule,
                           deliver: reply(poll, route: route, since: start, deliver: deliver))
    }

    /// A poll's call to the sync service, and what its answer needs.
    private struct Poll {
        var call: ShapeCall
        let origin: String?
        let identity: VerifiedToken?
    }

    /// The call a poll makes: through the gatekeeper, the shape token's grant
    /// rebuilt into the query (`identity`, verified). Nil when the router
    /// must answer it: a connection already gone, an SSE stream, a token
    /// without a grant.
    private func call(_ head: HTTPRequest, route: Route, channel: any Channel, identity: VerifiedToken?) -> Poll? {
        let query = ShapeCall.parseQuery(Self.split(head.path ?? "").query)
        guard ShapeParameter.asksLive(query), !ShapeParameter.asksEvents(query), let presence = presences.presence(of: channel) else {
            return nil
        }
        let fields = head.headerFields
        let origin = fields[.origin]
        var call: ShapeCall
        switch route {
        case .gatekeeper:
            guard let grant = identity?.shape else { return nil }
            call = ShapeCall(method: .get, query: Gatekeeper.query(client: query, grant: grant), origin: origin, ifNoneMatch: fields[.ifNoneMatch])
        case .sync:
            call = ShapeCall(method: .get, query: query, origin: origin, ifNoneMatch: fields[.ifNoneMatch])
        }
        call.presence = presence
        return Poll(call: call, origin: origin, identity: identity)
    }

    /// What turns the service's answer into the router's response: headers,
    /// metrics, the log line and client activity (a visit begun now).
    private func reply(
        _ poll: Poll, route: Route, since start: ContinuousClock.Instant, deliver: @escaping @Sendable (HTTPResponse, ByteBuffer) -> Void
    ) -> @Sendable (ShapeAnswer) -> Void {
        let origin = poll.origin
        let visit = poll.identity.flatMap { identity in
            identity.shape.map { activity.begin(user: identity.subject, table: $0.table, params: $0.params, live: true) }
        }
        let requestID = APIRequestContext.newRequestID()
        return { [self] answer in
            var fields = answer.fields
            if route == .gatekeeper { Gatekeeper.decorate(&fields, origin: origin) }
            if let visit {
                activity.end(visit, live: true, status: answer.status, handle: answer.header(ShapeHeader.handle), offset: answer.header(ShapeHeader.offset))
            }
            let body = ByteBuffer(string: answer.body)
            fields[.contentLength] = String(body.readableBytes)
            fields[.server] = "qactl"
            fields[.date] = HTTPDate.now()
            ObservabilityMiddleware.record(&fields, status: answer.status, route: route.path, method: .get, requestID: requestID,
                                           since: start, metrics: metrics, logger: logger)
            deliver(HTTPResponse(status: .init(code: answer.status), headerFields: fields), body)
        }
    }

    private static func split(_ target: String) -> (path: Substring, query: String) {
        guard let mark = target.firstIndex(of: "?") else { return (target[...], "") }
        return (target[..<mark], String(target[target.index(after: mark)...]))
    }
}

/// The `date` header's value (RFC 9110 IMF-fixdate), formatted once a second.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))

    static func now() -> String {
        var clock = timespec()
        clock_gettime(CLOCK_REALTIME, &clock)
        let second = clock.tv_sec
        return cache.withLock { cached in
            if cached.second == second { return cached.text }
            var time = tm()
            var seconds = second
            gmtime_r(&seconds, &time)
            let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
            let text = "\(days[Int(time.tm_wday)]), \(two(time.tm_mday)) \(months[Int(time.tm_mon)]) \(1900 + time.tm_year) "
                + "\(two(time.tm_hour)):\(two(time.tm_min)):\(two(time.tm_sec)) GMT"
            cached = (second, text)
            return text
        }
    }
}
