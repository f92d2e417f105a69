import HTTPTypes
import Hummingbird
import ShapeWire
import SyncService
import Tokens

/// `GET /shape`: verifies the shape token, rebuilds the request with the table,
/// `where` and params of the token only, and relays the sync service's answer.
///
/// A client never chooses `table`, `where`, `params[n]` or `secret`: those
/// parameters are dropped from what it sends; its `Authorization` header never
/// goes upstream.
struct Gatekeeper {

    let upstream: any ShapeUpstream
    /// Whether each connection's client is still there (nil: no cancellation, as in router tests).
    let presences: ClientPresenceRegistry?

    /// The upstream query: the client's protocol parameters, then the token's shape.
    static func query(client: ShapeRequest.Query, grant: ShapeGrant) -> ShapeRequest.Query {
        var query = client.filter { ShapeParameter.clientControlled.contains($0.name) }
        query.append((name: ShapeParameter.table, value: grant.table))
        query.append((name: ShapeParameter.where, value: grant.where))
        for (index, value) in grant.params.enumerated() {
            query.append((name: ShapeParameter.param(index + 1), value: value))
        }
        return query
    }

    /// What the gatekeeper adds to every upstream answer: it varies by token, and CORS.
    static func decorate(_ fields: inout HTTPFields, origin: String?) {
        fields[values: .vary] = ["authorization"]
        CORS.decorate(&fields, origin: origin)
    }

    /// Behind ``TokenAuthMiddleware`` with shape tokens.
    func register(on router: some RouterMethods<APIRequestContext>) {
        let handler: @Sendable (Request, APIRequestContext) async throws -> Response = { request, context in
            let origin = request.headers[.origin]
            if request.method == .options { return CORS.preflight(origin: origin, methods: "GET, POST, HEAD, OPTIONS") }
            let token = try context.requireIdentity()
            guard let grant = token.shape else { throw APIError.unauthorized("the shape token grants no shape") }
            let method = ShapeCall.Method(request.method) ?? .get
            let clientQuery: ShapeRequest.Query
            switch try await request.shapeQuery() {
            case .success(let found): clientQuery = found
            case .failure(let invalid):
                var response = Response(ShapeAnswer.invalid(invalid, origin: origin))
                CORS.decorate(&response, origin: origin)
                return response
            }
            var call = ShapeCall(
                method: method, query: Self.query(client: clientQuery, grant: grant),
                origin: origin, ifNoneMatch: request.headers[.ifNoneMatch])
            call.presence = try presences.presence(live: ShapeParameter.asksLive(clientQuery), on: context.channel)
            var response = try await upstream.fetch(call)
            Self.decorate(&response.headers, origin: origin)
            return response
        }
        router.get("/shape", use: handler)
        router.post("/shape", use: handler)
        router.head("/shape", use: handler)
        router.on("/shape", method: .options, use: handler)
    }
}

/// CORS for browser clients: the request's own origin (never `*` with
/// credentials) and every `electric-*` header exposed.
enum CORS {
    static func decorate(_ response: inout Response, origin: String?) {
        decorate(&response.headers, origin: origin)
    }

    static func decorate(_ fields: inout HTTPFields, origin: String?) {
        guard let origin else { return }
        fields[.accessControlAllowOrigin] = origin
        fields[.accessControlExposeHeaders] = ShapeHeader.exposed.joined(separator: ",")
        fields[values: .vary] = (fields[values: .vary] + ["origin"])
    }

    static func preflight(origin: String?, methods: String) -> Response {
        var fields = HTTPFields()
        fields[.accessControlAllowOrigin] = origin ?? "*"
        fields[.accessControlAllowMethods] = methods
        fields[.accessControlAllowHeaders] = "authorization, content-type, if-none-match"
        fields[.accessControlMaxAge] = "86400"
        if origin != nil { fields[.vary] = "origin" }
        return Response(status: .noContent, headers: fields)
    }
}
