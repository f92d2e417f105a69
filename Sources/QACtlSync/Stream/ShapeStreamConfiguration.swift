import ShapeWire

/// How to reach one shape and how to behave when things go wrong.
///
/// Through qactl's gatekeeper (the token says which shape):
///
/// ```swift
/// let tokens = ShapeTokenProvider(api: api)
/// let configuration = ShapeStreamConfiguration.gatekeeper(
///     baseURL: "http://127.0.0.1:8787", table: "messages", params: ["conversationId": "c-1"], tokens: tokens)
/// ```
///
/// Straight to an Electric (or `qactl serve`'s `/v1/shape`):
///
/// ```swift
/// let configuration = ShapeStreamConfiguration(
///     url: "http://localhost:3000/v1/shape",
///     parameters: ["table": "messages", "where": "conversation_id = $1", "params[1]": "c-1"])
/// ```
public struct ShapeStreamConfiguration: Sendable {
    /// Query parameters the stream sets itself; passing them in ``parameters`` is an error.
    public static let reservedParameters: Set<String> = ShapeParameter.streamControlled

    /// The shape endpoint (`…/shape` or `…/v1/shape`), without query.
    public var url: String
    /// Extra query parameters sent on every request (`table`, `where`, `params[1]`, `secret`, `replica`, …).
    public var parameters: [String: String]
    /// Extra request headers.
    public var headers: [String: String]
    /// Source of the `Authorization: Bearer` token, if the endpoint wants one.
    public var authorization: (any ShapeAuthorization)?
    /// Resume from here instead of `-1` (a saved replica's position).
    public var resume: ShapePosition?
    /// Deadline of a live request; must exceed the server's 20 s hold.
    public var liveRequestTimeout: Duration
    /// Deadline of a snapshot or catch-up request.
    public var requestTimeout: Duration
    /// Waits between retries of 429, 5xx and network failures.
    public var backoff: Backoff
    /// How many 401s in a row (each followed by a token refresh) before giving up.
    public var maxUnauthorizedRetries: Int
    /// Called before every request: for logs and tests.
    public var onRequest: (@Sendable (ShapeRequestInfo) -> Void)?
    /// How the stream waits for changes once caught up.
    public var liveMode: LiveMode
    /// Deadline of one SSE connection (the server closes it sooner, after its
    /// `--sse-timeout`, 60 s by default).
    public var eventStreamTimeout: Duration

    /// Whether the stream syncs the whole shape, or only changes (the rows a
    /// query needs come from ``ShapeStream/fetchSubset(_:)``).
    public var syncMode: SyncMode

    /// How much of a shape a stream brings.
    public enum SyncMode: Sendable, Hashable {
        /// The whole shape, then its changes (`offset=-1`).
        case eager
        /// Changes from now on only (`offset=now`, `log=changes_only`); rows
        /// come in subsets, as queries ask for them (TanStack DB's on-demand mode).
        case onDemand
    }

    /// How a caught-up stream learns about new changes.
    public enum LiveMode: Sendable, Hashable {
        /// One request per batch, held by the server until changes come (the default).
        case longPoll
        /// One long-lived `text/event-stream` response carrying batch after
        /// batch (`live_sse=true`). Falls back to long-polls when connections
        /// keep closing at once (a buffering proxy).
        case serverSentEvents
    }

    /// A shape at `url`; the timeouts, backoff and retry limits take their defaults.
    public init(
        url: String, parameters: [String: String] = [:], headers: [String: String] = [:],
        authorization: (any ShapeAuthorization)? = nil, resume: ShapePosition? = nil
    ) {
        self.url = url
        self.parameters = parameters
        self.headers = headers
        self.authorization = authorization
        self.resume = resume
        self.liveRequestTimeout = .seconds(45)
        self.requestTimeout = .seconds(45)
        self.backoff = Backoff()
        self.maxUnauthorizedRetries = 3
        self.onRequest = nil
        self.liveMode = .longPoll
        self.syncMode = .eager
        self.eventStreamTimeout = .seconds(300)
    }

    /// A shape behind qactl's `/shape` gatekeeper, authorised by shape tokens
    /// for `table` and `params` from `tokens`.
    public static func gatekeeper(baseURL: String, table: String, params: [String: String] = [:], tokens: ShapeTokenProvider) -> Self {
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        return ShapeStreamConfiguration(
            url: base + "/shape", authorization: tokens.authorization(for: ShapeTokenRequest(table: table, params: params)))
    }
}

/// One request a ``ShapeStream`` is about to send.
public struct ShapeRequestInfo: Sendable, Hashable {
    /// The full URL, query included.
    public let url: String
    /// The `offset` parameter.
    public let offset: String
    /// The `handle` parameter, if sent.
    public let handle: String?
    /// Whether this is a live (long-poll) request.
    public let isLive: Bool
}
