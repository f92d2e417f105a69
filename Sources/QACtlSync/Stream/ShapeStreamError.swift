/// A shape stream failure that retrying will not fix.
///
/// Network errors, 429 and 5xx are retried with backoff and never surface here;
/// a 401 surfaces only after fresh tokens were refused too.
public struct ShapeStreamError: SyncClientError, Equatable {
    /// The kinds of failure; ``code`` is the raw value.
    public enum Code: String, Sendable {
        /// A 2xx lacked `electric-offset`/`electric-handle` (or `electric-cursor`
        /// when live, `electric-schema` when not): a proxy is dropping headers.
        case missingHeaders = "missing_headers"
        /// The body was not a JSON array of shape messages.
        case invalidBody = "invalid_body"
        /// 400 other than an out-of-bounds offset: the request is wrong.
        case badRequest = "bad_request"
        /// 401 even with a freshly fetched token.
        case unauthorized
        /// 403: the user may not read this shape.
        case forbidden
        /// Another 4xx the protocol does not expect.
        case unexpectedStatus = "unexpected_status"
        /// A cache kept answering with a handle the server had expired.
        case staleCache = "stale_cache"
        /// The stream was set up wrongly (reserved query parameter, bad URL).
        case invalidConfiguration = "invalid_configuration"
    }

    /// Which failure.
    public let kind: Code
    public let message: String
    /// The HTTP status that ended the stream, if one did.
    public let status: Int?

    public var code: String { kind.rawValue }

    /// An error of `kind`, explained by `message`.
    public init(_ kind: Code, _ message: String, status: Int? = nil) {
        self.kind = kind
        self.message = message
        self.status = status
    }
}
