import Foundation
import HTTPTypes
import Hummingbird
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
        var response = try context.responseEncoder.encode(Body(error: .init(code: code.rawValue, message: message)), from: request, context: context)
        response.status = status
        response.headers[.cacheControl] = "no-store"
        for (name, value) in headers { response.headers[name] = value }
        return response
    }
}
