import AppModel
import Foundation
import Hummingbird
import ShapeWire
import Tokens
/// `POST /shapes/auth-token`: exchanges an auth token for a shape token that
/// grants exactly one shape the caller may read.
struct ShapeTokenRoutes {
    let authenticator: Authenticator
    let store: any AppStore
    let lifetime: Duration
    /// Longest a request body may take to arrive.
    var bodyTimeout: Duration = .seconds(30)

    func register(on router: Router<APIRequestContext>) {
        router.post("/shapes/auth-token") { request, _ -> Response in
            var request = request
            let user = try await authenticator.verify(request, as: .auth).subject
            let body = try await request.jsonObject(timeout: bodyTimeout)
            guard let table = body["table"] as? String else { throw APIError(.invalidRequest, "table is required and must be a string") }
            var params: [String: String] = [:]
            if let given = body["params"], !(given is NSNull) {
                guard let object = given as? [String: Any] else { throw APIError(.invalidRequest, "params must be an object of strings") }
                for (name, value) in object {
                    guard let text = value as? String else { throw APIError(.invalidRequest, "params.\(name) must be a string") }
                    // NUL and other control characters would be cut or mangled on their way into SQL.
                    guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                        throw APIError(.invalidRequest, "params.\(name) must not contain control characters")
                    }
                    params[name] = text
                }
            }
            let grant: ShapeGrant
            do {
                grant = try ShapeGrant.rule(table: table, params: params, subject: user)
            } catch let error as ShapeGrant.RuleError {
                if case .unknownTable = error { throw APIError(.forbidden, "No permission to sync table \(table)") }
                throw APIError(.invalidRequest, error.description)
            }
            if grant.table == "messages" {
                // The same answer whether the conversation is someone else's or
                // does not exist: nothing about other users leaks.
                let conversation = params["conversationId"] ?? ""
                guard try await store.conversationOwner(conversation) == user else {
                    throw APIError(.forbidden, "No permission to access messages of this conversation")
                }
            }
            let minted = try await authenticator.authority.mintShape(subject: user, shape: grant, lifetime: lifetime)
            let shape = JSONText.object([
                ("table", JSONText.quoted(grant.table)), ("where", JSONText.quoted(grant.where)),
                ("params", "[" + grant.params.map(JSONText.quoted).joined(separator: ",") + "]"),
            ])
            let json = JSONText.object([
                ("token", JSONText.quoted(minted.token)),
                ("expiresAt", JSONText.quoted(ISO8601DateFormatter().string(from: minted.expiresAt))),
                ("shape", shape),
            ])
            return Response.json(json)
        }
    }
}

extension Response {
    /// A JSON response that no cache keeps.
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
