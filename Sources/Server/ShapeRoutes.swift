import HTTPTypes
import Hummingbird
import ShapeWire
import SyncService

extension ShapeAnswer {
    /// Its headers as HTTP fields.
    var fields: HTTPFields {
        var fields = HTTPFields()
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        return fields
    }
}

extension Response {
    /// A Hummingbird response from a sync-service answer.
    init(_ answer: ShapeAnswer) {
        let fields = answer.fields
        let body: ResponseBody
        if let events = answer.events {
            // Each event is written (and flushed) as it comes: SSE must not be buffered.
            body = ResponseBody(asyncSequence: events.map { ByteBuffer(string: $0) })
        } else {
            body = answer.body.isEmpty ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(string: answer.body))
        }
        self.init(status: HTTPResponse.Status(code: answer.status), headers: fields, body: body)
    }
}

extension ShapeCall.Method {
    init?(_ method: HTTPRequest.Method) {
        switch method {
        case .get: self = .get
        case .head: self = .head
        case .options: self = .options
        case .post: self = .post
        case .delete: self = .delete
        default: return nil
        }
    }
}

extension Request {
    /// The parameters of a shape request: its query, then (for a POST, as
    /// Electric's client sends long subsets) its JSON body's subset members.
    func shapeQuery() async throws -> Result<ShapeRequest.Query, ShapeRequest.Invalid> {
        let query = ShapeCall.parseQuery(uri.query ?? "")
        guard method == .post else { return .success(query) }
        let body = try await collectBody(limit: SubsetBody.maximumBytes)
        return SubsetBody.queryParameters(from: body.readableBytesView).map { query + $0 }
    }
}

/// `/v1/shape`: the embedded sync service, guarded by the sync secret; and `/v1/health`.
struct ShapeRoutes {
    let sync: SyncService
    let presences: ClientPresenceRegistry?

    func register(on router: Router<APIRequestContext>) {
        let handler: @Sendable (Request, APIRequestContext) async throws -> Response = { request, context in
            guard let method = ShapeCall.Method(request.method) else { return Response(status: .methodNotAllowed) }
            let origin = request.headers[.origin]
            let query: ShapeRequest.Query
            switch try await request.shapeQuery() {
            case .success(let found): query = found
            case .failure(let invalid): return Response(ShapeAnswer.invalid(invalid, origin: origin))
            }
            var call = ShapeCall(method: method, query: query, origin: origin, ifNoneMatch: request.headers[.ifNoneMatch])
            call.presence = try presences.presence(live: ShapeParameter.asksLive(call.query), on: context.channel)
            return Response(await sync.respond(call, trusted: false))
        }
        router.get("/v1/shape", use: handler)
        router.post("/v1/shape", use: handler)
        router.delete("/v1/shape", use: handler)
        router.head("/v1/shape", use: handler)
        router.on("/v1/shape", method: .options, use: handler)
        // As Electric's, unauthenticated: a gatekeeper in front (another qactl serve) probes it for its /healthz.
        router.get("/v1/health") { _, _ -> Response in
            let ready = sync.isReady
            return Response(
                status: ready ? .ok : .accepted, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: ready ? #"{"status":"active"}"# : #"{"status":"starting"}"#)))
        }
    }
}
