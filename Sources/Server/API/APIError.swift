import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SyncModel
import ShapeWire

/// An API error: `{"error": {"code", "message"}}` with the status its code implies.
struct APIError: Error, HTTPResponseError {
    enum Code: String {
        case invalidRequest = "invalid_request"
        case unauthorized
        case forbidden
        case notFound = "not_found"
        case conflict
        case payloadTooLarge = "payload_too_large"
        case requestTimeout = "request_timeout"
        case uriTooLong = "uri_too_long"
        case rateLimited = "rate_limited"
        case unavailable
        case badGateway = "bad_gateway"
        case `internal`

        var status: HTTPResponse.Status {
            switch self {
            case .invalidRequest: .badRequest
            case .unauthorized: .unauthorized
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .conflict: .conflict
            case .payloadTooLarge: .contentTooLarge
            case .requestTimeout: .requestTimeout
            case .uriTooLong: .uriTooLong
            case .rateLimited: .tooManyRequests
            case .unavailable: .serviceUnavailable
            case .badGateway: .badGateway
            case .internal: .internalServerError
            }
        }
    }

    let code: Code
    let message: String
    var headers: [(HTTPField.Name, String)] = []

    init(_ code: Code, _ message: String, headers: [(HTTPField.Name, String)] = []) {
        self.code = code
        self.message = message
        self.headers = headers
    }

    var status: HTTPResponse.Status { code.status }

    /// One of Hummingbird's own errors, in the API's error shape.
    init(_ error: HTTPError) {
        let code: Code = switch error.status.code {
        case 400: .invalidRequest
        case 401: .unauthorized
        case 403: .forbidden
        case 404, 405: .notFound
        case 408: .requestTimeout
        case 409: .conflict
        case 413: .payloadTooLarge
        case 414: .uriTooLong
        case 429: .rateLimited
        case 502: .badGateway
        case 503: .unavailable
        default: .internal
        }
        let message = error.body ?? (error.status.code == 404 ? "no such route" : error.status.reasonPhrase)
        self.init(code, message, headers: error.headers.map { ($0.name, $0.value) })
    }

    /// 401 with the `www-authenticate` challenge that tells clients to fetch a new token.
    static func unauthorized(_ message: String, expired: Bool = false) -> APIError {
        let detail = expired ? "invalid_token\", error_description=\"expired_token" : "invalid_token"
        return APIError(.unauthorized, message, headers: [(.wwwAuthenticate, "Bearer error=\"\(detail)\"")])
    }

    static func unavailable(_ message: String, retryAfter: Int) -> APIError {
        APIError(.unavailable, message, headers: [(.retryAfter, String(retryAfter))])
    }

    /// `{"error": {"code", "message"}}`.
    struct Body: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
        }

        let error: Detail
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = HTTPFields()
        let (status, body) = encoded(into: &fields)
        fields[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: body))
    }

    /// The status and body of this error, its headers added to `fields` (all
    /// but the length): the router's answer, and that of routes answered
    /// outside it (``QuestionSends``).
    func encoded(into fields: inout HTTPFields) -> (HTTPResponse.Status, ByteBuffer) {
        // The API context's encoder (sorted keys); encoding two strings cannot fail.
        let data = (try? APIRequestContext.encoder.encode(Body(error: .init(code: code.rawValue, message: message)))) ?? Data()
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] = "no-store"
        for (name, value) in headers { fields[name] = value }
        return (status, ByteBuffer(bytes: data))
    }

    /// This error as a whole answer written outside the router (a refused
    /// connection, a request that is not HTTP): its length set and the
    /// connection closed after it.
    func closingResponse() -> (HTTPResponse, ByteBuffer) {
        var fields = HTTPFields()
        let (status, body) = encoded(into: &fields)
        fields[.contentLength] = String(body.readableBytes)
        fields[.connection] = "close"
        return (HTTPResponse(status: status, headerFields: fields), body)
    }

    /// What a request that failed unexpectedly is answered: 503 while the
    /// database is unavailable, else 500 naming the request; logged either way.
    static func unexpected(_ error: any Error, requestID: String, logger: Logger) -> APIError {
        if let error = error as? StoreError, error.code == .unavailable {
            logger.warning("database unavailable", metadata: ["request_id": "\(requestID)", "error": "\(error.message)"])
            return .unavailable("the database is unavailable; try again shortly", retryAfter: 1)
        }
        logger.error("unexpected error", metadata: ["request_id": "\(requestID)", "error": "\(String(reflecting: error))"])
        return APIError(.internal, "internal error (request \(requestID))")
    }
}
