import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Who is syncing what through the gatekeeper, for the inspector: one entry
/// per (user, shape token grant), with its polls in flight and its last answer.
final class ClientActivity: Sendable {
    struct Client: Sendable, Codable, Equatable {
        let user: String
        let table: String
        let params: [String]
        var handle: String?
        /// Live long-polls in flight now.
        var livePolls = 0
        var requests = 0
        var lastStatus = 0
        var lastOffset: String?
        var lastRequestAtMilliseconds: Int64 = 0
    }

    private let clients = Mutex<[String: Client]>([:])
    /// Entries idle longer than this are forgotten.
    static let forgetAfter: TimeInterval = 600

    func begin(user: String, table: String, params: [String], live: Bool) -> String {
        let key = ([user, table] + params).joined(separator: "\u{1F}")
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        clients.withLock { clients in
            var client = clients[key] ?? Client(user: user, table: table, params: params)
            client.requests += 1
            if live { client.livePolls += 1 }
            client.lastRequestAtMilliseconds = now
            clients[key] = client
            let horizon = now - Int64(Self.forgetAfter * 1000)
            if clients.count > 256 { clients = clients.filter { $0.value.livePolls > 0 || $0.value.lastRequestAtMilliseconds > horizon } }
        }
        return key
    }

    func end(_ key: String, live: Bool, status: Int, handle: String?, offset: String?) {
        clients.withLock { clients in
            guard var client = clients[key] else { return }
            if live { client.livePolls = max(0, client.livePolls - 1) }
            client.lastStatus = status
            if let handle { client.handle = handle }
            if let offset { client.lastOffset = offset }
            clients[key] = client
        }
    }

    /// Clients seen in the last ten minutes, most recent first.
    func snapshot() -> [Client] {
        let horizon = Int64((Date().timeIntervalSince1970 - Self.forgetAfter) * 1000)
        return clients.withLock { Array($0.values) }
            .filter { $0.livePolls > 0 || $0.lastRequestAtMilliseconds > horizon }
            .sorted { $0.lastRequestAtMilliseconds > $1.lastRequestAtMilliseconds }
    }
}

/// Notes each `/shape` request in ``ClientActivity``; behind the shape-token check, so the grant is known.
struct ClientActivityMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let activity: ClientActivity

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let identity = context.identity, let grant = identity.shape else { return try await next(request, context) }
        let live = request.uri.queryParameters.get("live").map { $0 != "false" } ?? false
        let key = activity.begin(user: identity.subject, table: grant.table, params: grant.params, live: live)
        do {
            let response = try await next(request, context)
            activity.end(
                key, live: live, status: Int(response.status.code), handle: response.headers[HTTPField.Name("electric-handle")!],
                offset: response.headers[HTTPField.Name("electric-offset")!])
            return response
        } catch {
            activity.end(key, live: live, status: (error as? any HTTPResponseError)?.status.code ?? 500, handle: nil, offset: nil)
            throw error
        }
    }
}
