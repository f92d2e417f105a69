import Foundation

/// A failed API call: the server's `{"error": {"code", "message"}}` with its
/// HTTP status, or a client-side failure (`network_error`, `invalid_response`)
/// with status 0 or the status that came back.
///
/// ```swift
/// do {
///     _ = try await api.sendQuestion(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "Hi?")
/// } catch let error as APIError where error.code == "forbidden" {
///     print("not your conversation:", error.message)
/// }
/// ```
public struct APIError: SyncClientError, Equatable {
    /// The server's code (`invalid_request`, `unauthorized`, `forbidden`,
    /// `not_found`, `conflict`, `payload_too_large`, `rate_limited`,
    /// `unavailable`, `internal`, …) or `network_error` / `invalid_response`.
    public let code: String
    /// The server's message, or what failed on the way.
    public let message: String
    /// The HTTP status; 0 when no answer arrived.
    public let status: Int
    /// The server's `Retry-After`, when it sent one.
    public let retryAfter: Duration?

    /// An error as a mutation function may throw one.
    public init(code: String, message: String, status: Int, retryAfter: Duration? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.retryAfter = retryAfter
    }

    /// Whether the same call may succeed later: no answer, 408, 429 or 5xx.
    public var isTransient: Bool { status == 0 || status == 408 || status == 429 || status >= 500 }

    /// Reads an error answer; bodies that are not the API's error JSON keep their text.
    static func from(_ answer: HTTPAnswer) -> APIError {
        struct Body: Decodable {
            struct Detail: Decodable {
                let code: String
                let message: String?
            }
            let error: Detail
        }
        let retryAfter = Backoff.retryAfter(answer.headers["retry-after"])
        if let body = try? JSONDecoder().decode(Body.self, from: answer.body) {
            return APIError(code: body.error.code, message: body.error.message ?? "", status: answer.status, retryAfter: retryAfter)
        }
        let text = String(decoding: answer.body.prefix(500), as: UTF8.self)
        return APIError(
            code: fallbackCode(answer.status), message: text.isEmpty ? "HTTP \(answer.status)" : text, status: answer.status,
            retryAfter: retryAfter)
    }

    /// The API's code for a status, for answers that did not carry one (a proxy's error page).
    static func fallbackCode(_ status: Int) -> String {
        switch status {
        case 400: "invalid_request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 409: "conflict"
        case 413: "payload_too_large"
        case 429: "rate_limited"
        case 503: "unavailable"
        default: status >= 500 ? "internal" : "http_\(status)"
        }
    }
}
