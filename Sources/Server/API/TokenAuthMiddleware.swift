import Hummingbird
import Tokens

/// Verifies the bearer token of `kind` and puts who it is in the request
/// context; routes behind it read ``APIRequestContext/identity``. CORS
/// preflights (OPTIONS) carry no token and pass through.
struct TokenAuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    let authenticator: Authenticator
    let kind: TokenKind

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method != .options else { return try await next(request, context) }
        var context = context
        context.identity = try await authenticator.verify(request, as: kind)
        return try await next(request, context)
    }
}

extension APIRequestContext {
    /// The verified token of a route behind ``TokenAuthMiddleware``.
    func requireIdentity() throws -> VerifiedToken {
        guard let identity else { throw APIError.unauthorized("a token is required: send Authorization: Bearer <token>") }
        return identity
    }
}
