import AppModel
import Foundation
import Hummingbird
import Tokens

/// `POST /shapes/auth-token`: exchanges an auth token for a shape token that
/// grants exactly one shape the caller may read. Behind ``TokenAuthMiddleware``
/// with auth tokens.
struct ShapeTokenRoutes {
    let keys: LiveTokenAuthority
    let store: any AppStore
    let lifetime: Duration

    func register(on router: some RouterMethods<APIRequestContext>) {
        router.post("/shapes/auth-token") { request, context -> EditedResponse<ShapeTokenIssued> in
            let user = try context.requireIdentity().subject
            let body = try await request.decodeJSON(as: ShapeTokenRequest.self)
            let params = body.params ?? [:]
            for (name, text) in params {
                // NUL and other control characters would be cut or mangled on their way into SQL.
                guard !ClaimText.hasControlCharacters(text) else {
                    throw APIError(.invalidRequest, "params.\(name) must not contain control characters")
                }
            }
            let grant: ShapeGrant
            do {
                grant = try ShapeGrant.rule(table: body.table, params: params, subject: user)
            } catch let error as ShapeGrant.RuleError {
                if case .unknownTable = error { throw APIError(.forbidden, "No permission to sync table \(body.table)") }
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
            let minted = try await keys.current.mintShape(subject: user, shape: grant, lifetime: lifetime)
            return ShapeTokenIssued(
                token: minted.token, expiresAt: ISO8601DateFormatter().string(from: minted.expiresAt),
                shape: .init(table: grant.table, where: grant.where, params: grant.params)
            ).uncached()
        }
    }
}
