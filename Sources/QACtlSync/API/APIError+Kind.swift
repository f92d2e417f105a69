extension APIError {
    /// What kind of failure ``code`` names, to switch on.
    ///
    /// ```swift
    /// catch let error as APIError {
    ///     switch error.kind {
    ///     case .unauthorized: signIn()
    ///     case .forbidden, .notFound: show("No such conversation")
    ///     case .network, .unavailable, .rateLimited: retryLater(after: error.retryAfter)
    ///     default: show(error.message)
    ///     }
    /// }
    /// ```
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// 400: the request is malformed; fix it before retrying.
        case invalidRequest = "invalid_request"
        /// 401: the auth token is missing, expired or not accepted.
        case unauthorized
        /// 403: the user may not do this (or read that conversation).
        case forbidden
        /// 404: no such thing (for this user).
        case notFound = "not_found"
        /// 409: the id is taken by something different.
        case conflict
        /// 413: the body is too large.
        case payloadTooLarge = "payload_too_large"
        /// 408: the request body stopped arriving.
        case requestTimeout = "request_timeout"
        /// 414: the URL is too long.
        case uriTooLong = "uri_too_long"
        /// 429: slow down, see ``APIError/retryAfter``.
        case rateLimited = "rate_limited"
        /// 503: the server cannot write now (database down, disk full); retry.
        case unavailable
        /// 502: the server's upstream (an Electric behind `--electric-url`) failed.
        case badGateway = "bad_gateway"
        /// 5xx: the server failed.
        case `internal`
        /// No answer arrived (connection refused, reset, timed out).
        case network = "network_error"
        /// An answer arrived that is not what the API sends.
        case invalidResponse = "invalid_response"
        /// A code this client does not know; read ``APIError/code``.
        case other
    }

    /// The kind of failure; ``Kind/other`` for codes this version does not know.
    public var kind: Kind { Kind(rawValue: code) ?? (status >= 500 ? .internal : .other) }
}
