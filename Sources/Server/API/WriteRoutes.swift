import AppModel
import Foundation
import Hummingbird
import ShapeWire
/// `POST /conversations` and `POST /questions/send`: each one transaction whose
/// txid is read inside it and returned as a JSON number.
struct WriteRoutes {
    let authenticator: Authenticator
    let store: any AppStore
    /// Called with (answer id, conversation id) once a question is committed.
    let onQuestion: @Sendable (String, String) -> Void
    /// Longest a request body may take to arrive.
    var bodyTimeout: Duration = .seconds(30)

    func register(on router: Router<APIRequestContext>) {
        router.post("/conversations") { request, _ -> Response in
            var request = request
            let user = try await authenticator.verify(request, as: .auth).subject
            let body = try await request.jsonObject(timeout: bodyTimeout)
            let id = try Field.id(body, "id", required: false) ?? UUID().uuidString.lowercased()
            let title = try Field.text(body, "title", characters: 1...200)
            switch try await store.createConversation(id: id, user: user, title: title) {
            case .created(let row, let txid), .repeated(let row, let txid):
                let conversation = String(decoding: try JSONEncoder().encode(row), as: UTF8.self)
                return Response.json(JSONText.object([("conversation", conversation), ("txid", String(txid))]), status: .created)
            case .conflict(let reason):
                throw APIError(.conflict, reason)
            case .forbidden:
                throw APIError(.forbidden, "No permission to create this conversation")
            }
        }

        router.post("/questions/send") { request, _ -> Response in
            var request = request
            let user = try await authenticator.verify(request, as: .auth).subject
            let body = try await request.jsonObject(timeout: bodyTimeout)
            let conversation = try Field.id(body, "conversationId") ?? ""
            let question = try Field.id(body, "questionId") ?? ""
            let answer = try Field.id(body, "answerId") ?? ""
            let content = try Field.text(body, "content", bytes: 1...32_768)
            switch try await store.sendQuestion(conversation: conversation, questionID: question, answerID: answer, user: user, content: content) {
            case .created(_, let txid):
                // Answer generation starts only now that the commit is durable.
                onQuestion(answer, conversation)
                return Response.json("{\"success\":true,\"txid\":\(txid)}")
            case .repeated(_, let txid):
                return Response.json("{\"success\":true,\"txid\":\(txid)}")
            case .conflict(let reason):
                throw APIError(.conflict, reason)
            case .forbidden:
                throw APIError(.forbidden, "No permission to access messages of this conversation")
            }
        }
    }
}
