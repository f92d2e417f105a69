import Hummingbird

/// The inspector is for the operator: its API answers only to the sync secret
/// (`--sync-secret`) as a bearer token, and is closed when no secret is set.
struct InspectorAuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let secret: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let secret else {
            throw APIError(.forbidden, "The inspector is off: start qactl serve with --sync-secret and send that secret as a bearer token")
        }
        let header = request.headers[.authorization] ?? ""
        guard header.hasPrefix("Bearer ") else {
            throw APIError.unauthorized("The inspector needs the sync secret: send Authorization: Bearer <secret>")
        }
        guard Self.constantTimeEquals(String(header.dropFirst("Bearer ".count)), secret) else {
            throw APIError.unauthorized("That is not this server's sync secret (its --sync-secret)")
        }
        return try await next(request, context)
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
