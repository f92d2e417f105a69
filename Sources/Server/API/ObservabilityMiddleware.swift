import Foundation
import HTTPTypes
import Hummingbird
import Logging
/// Per request: a structured log line (request id, method, route, status,
/// duration; never tokens or query strings), the Prometheus request metrics,
/// an `x-request-id` header, and CORS on the JSON API routes.
struct ObservabilityMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    /// JSON API routes browsers call directly (the gatekeeper does its own CORS).
    static let corsRoutes: Set<String> = ["/shapes/auth-token", "/conversations", "/questions/send"]

    let metrics: ServerMetrics
    let logger: Logger

    /// Longest request target accepted (URLs longer are refused with 414).
    static let maximumURILength = 8 * 1024

    /// HTTP/1.1 requires a Host header (RFC 9112 §3.2; 1.0 does not, and health
    /// checkers still send it); URLs have a sane length.
    static func checkRequestLine(_ request: Request) throws {
        let http10 = HTTPField.Name(HTTP10KeepAlive.versionHeader).map { request.headers[$0] == "1.0" } ?? false
        guard request.head.authority?.isEmpty == false || http10 else { throw APIError(.invalidRequest, "the request has no Host header") }
        guard request.uri.description.utf8.count <= maximumURILength else {
            throw APIError(.uriTooLong, "the URL is longer than \(maximumURILength / 1024) KiB")
        }
    }

    // The async part is only the call to the next handler: a live long-poll
    // is parked inside it, and everything this frame holds, it holds for the
    // whole poll. Mapping errors and recording the request are synchronous.
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        if let preflight = Self.preflight(request) { return preflight }
        var response: Response
        do {
            try Self.checkRequestLine(request)
            response = try await next(request, context)
        } catch {
            response = try errorResponse(error, request: request, context: context)
        }
        finish(&response, request: request, context: context, since: start)
        return response
    }

    @inline(never)
    private static func preflight(_ request: Request) -> Response? {
        guard request.method == .options, corsRoutes.contains(request.uri.path) else { return nil }
        return CORS.preflight(origin: request.headers[.origin], methods: "POST, OPTIONS")
    }

    @inline(never)
    private func errorResponse(_ error: any Error, request: Request, context: Context) throws -> Response {
        switch error {
        case let error as APIError:
            return try error.response(from: request, context: context)
        case let error as HTTPError:
            // Hummingbird's own refusals (no such route, a body over the limit) in the API's error shape.
            return try APIError(error).response(from: request, context: context)
        case let error as any HTTPResponseError:
            return try error.response(from: request, context: context)
        case is CancellationError, is ClientLeft:
            // A live poll or a body whose client left: nobody reads this answer.
            return Response(status: .init(code: 499, reasonPhrase: "Client Closed Request"))
        default:
            return try APIError.unexpected(error, requestID: context.requestID, logger: logger).response(from: request, context: context)
        }
    }

    @inline(never)
    private func finish(_ response: inout Response, request: Request, context: Context, since start: ContinuousClock.Instant) {
        if Self.corsRoutes.contains(request.uri.path) { CORS.decorate(&response, origin: request.headers[.origin]) }
        Self.record(&response.headers, status: response.status.code, route: context.endpointPath ?? "unmatched", method: request.method,
                    requestID: context.requestID, since: start, metrics: metrics, logger: logger)
    }

    static let requestIDField = HTTPField.Name("x-request-id")!

    /// What every answered request leaves: its id in the answer, the request
    /// metrics and a log line (also for live polls answered outside the router, ``LivePolls``).
    static func record(_ fields: inout HTTPFields, status: Int, route: String, method: HTTPRequest.Method, requestID: String,
                       since start: ContinuousClock.Instant, metrics: ServerMetrics, logger: Logger) {
        fields[requestIDField] = requestID
        let duration = ContinuousClock.now - start
        metrics.recordRequest(route: route, method: method.rawValue, status: status, duration: duration)
        logger.info("request", metadata: [
            "request_id": "\(requestID)", "method": "\(method.rawValue)", "route": "\(route)",
            "status": "\(status)", "duration_ms": "\(String(format: "%.2f", Double(duration.components.attoseconds) / 1e15 + Double(duration.components.seconds) * 1000))",
        ])
    }
}
