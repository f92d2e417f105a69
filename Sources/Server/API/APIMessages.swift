import AppModel
import Foundation
import Hummingbird

// The JSON bodies of the API routes, decoded and encoded by Foundation's JSON
// coders, except on the send path every user takes: bodies of string fields are
// read by the flat reader (``StringFieldsBody``) and ``QuestionSent`` is written
// directly, both giving exactly the coders' results.

/// `POST /conversations`.
struct CreateConversationRequest: StringFieldsBody, Sendable {
    let id: String?
    let title: String

    init?(fields: [String: String]) {
        guard let title = fields["title"] else { return nil }
        (self.id, self.title) = (fields["id"], title)
    }
}

/// `POST /questions/send`.
struct SendQuestionRequest: StringFieldsBody, Sendable {
    let conversationId: String
    let questionId: String
    let answerId: String
    let content: String

    init?(fields: [String: String]) {
        guard let conversation = fields["conversationId"], let question = fields["questionId"],
            let answer = fields["answerId"], let content = fields["content"]
        else { return nil }
        (conversationId, questionId, answerId, self.content) = (conversation, question, answer, content)
    }
}

/// `POST /shapes/auth-token`.
struct ShapeTokenRequest: Decodable, Sendable {
    let table: String
    let params: [String: String]?
}

/// `201 {"conversation": {…}, "txid": n}`.
struct ConversationCreated: ResponseEncodable, Sendable {
    let conversation: ConversationRow
    let txid: UInt64
}

/// `200 {"success": true, "txid": n, "position": "<decimal>"}`; no `position` for a repeat.
struct QuestionSent: ResponseGenerator, Sendable {
    let txid: UInt64
    /// Compare with an up-to-date's `global_last_seen_lsn` (a decimal string too).
    let position: UInt64?

    /// The bytes the API's sorted-key encoder would write, written directly:
    /// this answers every send, and numbers need no escaping.
    var body: ByteBuffer {
        var body = ByteBuffer()
        body.reserveCapacity(64)
        if let position { body.writeString(#"{"position":""# + String(position) + #"","success":true,"txid":"#) } else { body.writeString(#"{"success":true,"txid":"#) }
        body.writeString(String(txid) + "}")
        return body
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = self.body
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(body.readableBytes)],
            body: .init(byteBuffer: body))
    }
}

/// `200 {"token", "expiresAt", "shape": {"table", "where", "params"}}`.
struct ShapeTokenIssued: ResponseEncodable, Sendable {
    struct Shape: Encodable, Sendable {
        let table: String
        let `where`: String
        let params: [String]
    }

    let token: String
    let expiresAt: String
    let shape: Shape
}

/// `GET /healthz`.
struct HealthReport: ResponseEncodable, Sendable {
    let status: String
    let reason: String?
}

extension ResponseGenerator {
    /// This body with `status` and `cache-control: no-store` (API answers are never cached).
    func uncached(_ status: HTTPResponse.Status = .ok) -> EditedResponse<Self> {
        EditedResponse(status: status, headers: [.cacheControl: "no-store"], response: self)
    }
}
