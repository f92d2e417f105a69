import AsyncHTTPClient
import Foundation
import NIOHTTP1
import TransportFailures

/// The qactl API's write routes and shape-token route, with the caller's auth token.
///
/// ```swift
/// let api = APIClient(baseURL: "http://127.0.0.1:8787", authToken: token)
/// let created = try await api.createConversation(id: "c-1", title: "Questions")
/// let txid = try await api.sendQuestion(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "Why?")
/// ```
///
/// Every failure is an ``APIError`` (server errors keep their code and status).
public struct APIClient: Sendable {
    /// A conversation as `POST /conversations` returned it.
    public struct CreatedConversation: Sendable, Hashable {
        /// The row as the server stored it.
        public let conversation: Row
        /// The transaction that wrote it: wait for it with ``SyncCollection/awaitTxId(_:timeout:)``.
        public let txid: UInt64
    }

    /// The server, without a trailing slash.
    public let baseURL: String
    private let authToken: @Sendable () async throws -> String
    private let transport: HTTPTransport
    private let timeout: Duration

    /// `authToken` is asked before every call, so it may refresh the user's token.
    public init(
        baseURL: String, httpClient: HTTPClient = .shared, timeout: Duration = .seconds(30),
        authToken: @escaping @Sendable () async throws -> String
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.authToken = authToken
        self.transport = HTTPTransport(client: httpClient)
        self.timeout = timeout
    }

    /// With a fixed auth token.
    public init(baseURL: String, authToken: String, httpClient: HTTPClient = .shared) {
        self.init(baseURL: baseURL, httpClient: httpClient, authToken: { authToken })
    }

    /// `POST /conversations`: creates (or, for the same id and title, finds again) a conversation.
    public func createConversation(id: String? = nil, title: String) async throws -> CreatedConversation {
        struct Body: Encodable {
            let id: String?
            let title: String
        }
        struct Answer: Decodable {
            let conversation: [String: LenientText]
            let txid: LenientText
        }
        let answer: Answer = try await post("/conversations", Body(id: id, title: title))
        return CreatedConversation(conversation: Row(answer.conversation.mapValues(\.text)), txid: try Self.txid(answer.txid))
    }

    /// What a write returned: its transaction, and where it stands in commit order.
    public struct WriteReceipt: Sendable, Hashable {
        /// The transaction that wrote it: wait for it with ``SyncCollection/awaitTxId(_:timeout:)``.
        public let txid: UInt64
        /// A commit position to wait for with ``SyncCollection/awaitPosition(_:timeout:)``:
        /// reached, the collection shows everything committed before the write,
        /// and the write. Nil when the server wrote nothing now (a repeat of an earlier request).
        public let position: UInt64?
    }

    /// `POST /questions/send`: writes the question and the answer placeholder in
    /// one transaction; returns its txid.
    public func sendQuestion(conversationId: String, questionId: String, answerId: String, content: String) async throws -> UInt64 {
        try await sendQuestionReceipt(conversationId: conversationId, questionId: questionId, answerId: answerId, content: content).txid
    }

    /// Like ``sendQuestion(conversationId:questionId:answerId:content:)``, with the write's commit position too.
    ///
    /// ```swift
    /// let receipt = try await api.sendQuestionReceipt(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "Why?")
    /// if let position = receipt.position { try await otherShape.awaitPosition(position) }
    /// ```
    public func sendQuestionReceipt(conversationId: String, questionId: String, answerId: String, content: String) async throws -> WriteReceipt {
        struct Body: Encodable {
            let conversationId: String
            let questionId: String
            let answerId: String
            let content: String
        }
        struct Answer: Decodable {
            let txid: LenientText
            let position: LenientText?
        }
        let body = Body(conversationId: conversationId, questionId: questionId, answerId: answerId, content: content)
        let answer: Answer = try await post("/questions/send", body)
        return WriteReceipt(txid: try Self.txid(answer.txid), position: answer.position?.text.flatMap { UInt64($0) })
    }

    /// `POST /shapes/auth-token`: a shape token for `request`.
    public func shapeToken(for request: ShapeTokenRequest) async throws -> ShapeToken {
        struct Body: Encodable {
            let table: String
            let params: [String: String]?
        }
        struct Answer: Decodable {
            struct Shape: Decodable {
                let table: String
                let `where`: String?
                let params: [String]?
            }
            let token: String
            let expiresAt: String
            let shape: Shape?
        }
        let answer: Answer = try await post(
            "/shapes/auth-token", Body(table: request.table, params: request.params.isEmpty ? nil : request.params))
        guard let expiresAt = Self.parseDate(answer.expiresAt) else {
            throw APIError(code: "invalid_response", message: "expiresAt \"\(answer.expiresAt)\" is not an RFC 3339 time", status: 200)
        }
        let shape = answer.shape.map { GrantedShape(table: $0.table, where: $0.where, params: $0.params ?? []) }
        return ShapeToken(token: answer.token, expiresAt: expiresAt, shape: shape)
    }

    private func post<Body: Encodable, Answer: Decodable>(_ path: String, _ body: Body) async throws -> Answer {
        let token = try await authToken()
        let answer: HTTPAnswer
        do {
            answer = try await transport.send(
                .POST, baseURL + path,
                headers: [("content-type", "application/json"), ("accept", "application/json"), ("authorization", "Bearer \(token)")],
                body: try JSONEncoder().encode(body), timeout: timeout)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw APIError(code: "network_error", message: "POST \(path) to \(baseURL) failed: \(TransportFailure.describe(error))", status: 0)
        }
        guard (200..<300).contains(answer.status) else { throw APIError.from(answer) }
        do {
            return try JSONDecoder().decode(Answer.self, from: answer.body)
        } catch {
            let text = String(decoding: answer.body.prefix(300), as: UTF8.self)
            throw APIError(code: "invalid_response", message: "POST \(path) answered \(answer.status) with an unexpected body: \(text)", status: answer.status)
        }
    }

    private static func txid(_ value: LenientText) throws -> UInt64 {
        guard let text = value.text, let txid = UInt64(text) else {
            throw APIError(code: "invalid_response", message: "txid \(value.text ?? "null") is not a transaction id", status: 200)
        }
        return txid
    }

    static func parseDate(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
