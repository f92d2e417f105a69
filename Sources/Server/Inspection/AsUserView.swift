import Foundation
import SyncService
import Tokens

/// The inspector's "as user" view: exactly what one user's auth token would
/// sync. The same grants the gatekeeper issues (`ShapeGrant.rule`: the user's
/// conversations, then the messages of each), read from the embedded sync
/// service as a client would read them, from `-1` to up-to-date. Like a real
/// client, it creates the shapes it reads if they do not exist yet.
struct AsUserView {
    let sync: SyncService
    /// A user with more conversations shows the most recent of them only.
    static let maxConversations = 50

    func view(user: String) async throws -> [String: Any] {
        guard !user.isEmpty, !ClaimText.hasControlCharacters(user) else {
            throw APIError(.invalidRequest, "user must be a non-empty user id without control characters")
        }
        let conversations = try ShapeGrant.rule(table: "conversations", params: [:], subject: user)
        let owned = try await rows(of: conversations)
        var shapes = [entry(conversations, owned)]
        let recent = owned.rows.map(\.value).sorted { ($0["created_at"] as? String ?? "") > ($1["created_at"] as? String ?? "") }
        for conversation in recent.prefix(Self.maxConversations) {
            guard let id = conversation["id"] as? String else { continue }
            let messages = try ShapeGrant.rule(table: "messages", params: ["conversationId": id], subject: user)
            shapes.append(entry(messages, try await rows(of: messages)))
        }
        return ["user": user, "shapes": shapes, "conversations": owned.rows.count]
    }

    private func entry(_ grant: ShapeGrant, _ read: (handle: String?, rows: [(key: String, value: [String: Any])])) -> [String: Any] {
        ["table": grant.table, "where": grant.where, "params": grant.params, "handle": read.handle ?? NSNull(),
         "rows": read.rows.map(\.value)]
    }

    /// Reads `grant`'s shape from the start to up-to-date (refetching on 409), and rebuilds its rows.
    private func rows(of grant: ShapeGrant) async throws -> (handle: String?, rows: [(key: String, value: [String: Any])]) {
        let definition = [("table", grant.table), ("where", grant.where)] + grant.params.enumerated().map { ("params[\($0.offset + 1)]", $0.element) }
        var offset = "-1"
        var handle: String?
        var messages: [[String: Any]] = []
        for _ in 0..<10_000 {
            var query = definition + [("offset", offset)]
            if let handle, offset != "-1" { query.append(("handle", handle)) }
            let answer = await sync.respond(ShapeCall(method: .get, query: query.map { (name: $0.0, value: $0.1) }), trusted: true)
            switch answer.status {
            case 200: break
            case 409:
                (offset, handle, messages) = ("-1", nil, [])
                continue
            default:
                throw APIError.unavailable("the sync service answered \(answer.status) for \(grant.table): \(answer.body)", retryAfter: 1)
            }
            handle = answer.header("electric-handle") ?? handle
            offset = answer.header("electric-offset") ?? offset
            messages += (try? JSONSerialization.jsonObject(with: Data(answer.body.utf8))) as? [[String: Any]] ?? []
            if answer.header("electric-up-to-date") != nil { return (handle, ShapeRows.materialize(messages)) }
        }
        throw APIError.unavailable("\(grant.table) did not reach up-to-date", retryAfter: 1)
    }
}
