import AppModel
import Foundation
import Hummingbird

// The JSON bodies of the API routes, decoded and encoded by Hummingbird's
// request decoder and response generator rather than assembled by hand.

/// `POST /conversations`.
struct CreateConversationRequest: Decodable, Sendable {
    let id: String?
    let title: String
}

/// `POST /questions/send`.
struct SendQuestionRequest: Decodable, Sendable {
    let conversationId: String
    let questionId: String
    let answerId: String
    let content: String
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
struct QuestionSent: ResponseEncodable, Sendable {
    var success = true
    let txid: UInt64
    /// Compare with an up-to-date's `global_last_seen_lsn` (a decimal string too).
    let position: String?
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

extension ResponseEncodable {
    /// This body with `status` and `cache-control: no-store` (API answers are never cached).
    func uncached(_ status: HTTPResponse.Status = .ok) -> EditedResponse<Self> {
        EditedResponse(status: status, headers: [.cacheControl: "no-store"], response: self)
    }
}
