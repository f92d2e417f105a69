import Foundation
import Tokens

/// Calls the JSON API of a running server as a user would, with tokens signed
/// by the server's own data dir keys.
public struct ServerAPI: Sendable {
    public let server: TestServer

    public init(server: TestServer) { self.server = server }

    public var authority: TokenAuthority {
        get throws { try TokenAuthority(store: KeyStore(dataDirectory: server.dataDirectory)) }
    }

    public func authToken(_ user: String) async throws -> String {
        try await authority.mintAuth(subject: user).token
    }

    public func post(_ path: String, _ body: String, token: String?, headers: [(String, String)] = []) async throws -> ServerAnswer {
        var all = headers + [("content-type", "application/json")]
        if let token { all.append(("authorization", "Bearer \(token)")) }
        // A connection the server closed as idle never delivered the request (RFC 9112 §9.3.1):
        // sending it again is safe, and the API's writes carry client ids besides.
        return try await HTTP.send(server.baseURL + path, method: .POST, headers: all, body: body, resendsOnStaleConnection: true)
    }

    public func post(_ path: String, json: [String: Any], token: String?, headers: [(String, String)] = []) async throws -> ServerAnswer {
        try await post(path, String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self), token: token, headers: headers)
    }

    /// Sends the same `/questions/send` body `times` times at once; the
    /// statuses and txids, in no particular order.
    public func sendAtOnce(_ body: String, times: Int, token: String) async throws -> [(status: Int, txid: Int?)] {
        try await withThrowingTaskGroup(of: (status: Int, txid: Int?).self) { group in
            for _ in 0..<times {
                group.addTask {
                    let answer = try await post("/questions/send", body, token: token)
                    return (answer.status, answer.json["txid"] as? Int)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// Creates a conversation; returns its id.
    @discardableResult
    public func conversation(_ id: String, title: String = "Questions", token: String) async throws -> String {
        let answer = try await post("/conversations", json: ["id": id, "title": title], token: token)
        guard answer.status == 201 else { throw TestFailure("POST /conversations answered \(answer.status): \(answer.body)") }
        return id
    }

    /// Conversation `id` with `questions` questions sent (`q-1`/`a-1`, … saying `Q1`, …);
    /// returns a shape token for its messages.
    public func conversationWithQuestions(_ id: String, _ questions: Int, token: String) async throws -> String {
        try await conversation(id, token: token)
        for n in 1...questions {
            _ = try await post("/questions/send", json: ["conversationId": id, "questionId": "q-\(n)", "answerId": "a-\(n)", "content": "Q\(n)"], token: token)
        }
        guard let shape = try await shapeToken(table: "messages", params: ["conversationId": id], token: token).1 else {
            throw TestFailure("no shape token for the messages of \(id)")
        }
        return shape
    }

    /// A shape token for `table` (with `params`), or the refusal.
    public func shapeToken(table: String, params: [String: String]? = nil, token: String) async throws -> (ServerAnswer, String?) {
        var body: [String: Any] = ["table": table]
        if let params { body["params"] = params }
        let answer = try await post("/shapes/auth-token", json: body, token: token)
        return (answer, answer.json["token"] as? String)
    }

    /// `GET /shape` with a shape token and the client's own query parameters.
    public func shape(_ parameters: [(String, String)], token: String?, headers: [(String, String)] = []) async throws -> ServerAnswer {
        var all = headers
        if let token { all.append(("authorization", "Bearer \(token)")) }
        return try await HTTP.send(server.url("/shape", parameters), headers: all)
    }

    /// Follows a gatekeeper shape until up-to-date, then optionally one live poll.
    // @unchecked: a test moves its follow state into a polling task and back; never shared.
    public struct Follow: @unchecked Sendable {
        public var handle = ""
        public var offset = "-1"
        public var cursor = ""
        public var messages: [[String: Any]] = []

        public init() {}
    }

    public func follow(_ follow: inout Follow, token: String, live: Bool = false, extra: [(String, String)] = []) async throws -> ServerAnswer {
        var parameters = extra + [("offset", follow.offset)]
        if follow.offset != "-1" { parameters.append(("handle", follow.handle)) }
        if live { parameters += [("live", "true"), ("cursor", follow.cursor)] }
        let answer = try await shape(parameters, token: token)
        if answer.status == 200 {
            follow.handle = answer.header("electric-handle") ?? follow.handle
            follow.offset = answer.header("electric-offset") ?? follow.offset
            follow.cursor = answer.header("electric-cursor") ?? follow.cursor
            follow.messages += answer.changes
        }
        return answer
    }

    /// `user`'s auth token, a conversation `id` of theirs, a shape token for its
    /// messages and a follow of that shape caught up to now.
    public func followedConversation(_ id: String, user: String) async throws -> (auth: String, shape: String, follow: Follow) {
        let auth = try await authToken(user)
        try await conversation(id, token: auth)
        guard let token = try await shapeToken(table: "messages", params: ["conversationId": id], token: auth).1 else {
            throw TestFailure("no shape token for \(id)")
        }
        var follow = Follow()
        try await catchUp(&follow, token: token)
        return (auth, token, follow)
    }

    public func catchUp(_ state: inout Follow, token: String) async throws {
        for _ in 0..<50 {
            let answer = try await follow(&state, token: token)
            guard answer.status == 200 else { throw TestFailure("GET /shape answered \(answer.status): \(answer.body)") }
            if answer.header("electric-up-to-date") != nil { return }
        }
        throw TestFailure("never up-to-date")
    }
}
