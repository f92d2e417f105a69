import HTTPTypes
import Hummingbird
import ShapeWire
import SyncService

extension Response {
    /// A Hummingbird response from a sync-service answer.
    init(_ answer: ShapeAnswer) {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
        }
        self.init(
            status: HTTPResponse.Status(code: answer.status), headers: fields,
            body: answer.body.isEmpty ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
    }
}

extension ShapeCall {
    init?(_ request: Request) {
        let method: ShapeCall.Method
        switch request.method {
        case .get: method = .get
        case .head: method = .head
        case .options: method = .options
        default: return nil
        }
        self.init(
            method: method, query: ShapeCall.parseQuery(request.uri.query ?? ""),
            origin: request.headers[.origin], ifNoneMatch: request.headers[.ifNoneMatch])
    }
}

/// `/v1/shape`: the embedded sync service, guarded by the sync secret.
struct ShapeRoutes {
    let sync: SyncService
    let presences: ClientPresenceRegistry?

    func register(on router: Router<APIRequestContext>) {
        let handler: @Sendable (Request, APIRequestContext) async throws -> Response = { request, context in
            guard let call = ShapeCall(request) else { return Response(status: .methodNotAllowed) }
            let live = ShapeParameter.asksLive(call.query)
            return try await presences.respond(live: live, on: context.channel) { Response(await sync.respond(call, trusted: false)) }
        }
        router.get("/v1/shape", use: handler)
        router.head("/v1/shape", use: handler)
        router.on("/v1/shape", method: .options, use: handler)
    }
}
