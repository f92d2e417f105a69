import AppModel
import Foundation
import Hummingbird

/// `POST /conversations` and `POST /questions/send`: each one transaction whose
/// txid is read inside it and returned as a JSON number. Behind
/// ``TokenAuthMiddleware`` with auth tokens.
struct WriteRoutes {
    static let forbiddenToSend = APIError(.forbidden, "No permission to access messages of this conversation")

    let store: any AppStore
    /// Called with (answer id, conversation id) once a question is committed.
    let onQuestion: @Sendable (String, String) -> Void

    func register(on router: some RouterMethods<APIRequestContext>) {
        router.post("/conversations") { request, context -> EditedResponse<ConversationCreated> in
            let user = try context.requireIdentity().subject
            let body = try await request.decodeJSON(as: CreateConversationRequest.self)
            let id = try body.id.map { try Field.id($0, "id") } ?? UUID().uuidString.lowercased()
            let title = try Field.text(body.title, "title", characters: 1...200)
            switch try await store.createConversation(id: id, user: user, title: title) {
            case .created(let row, let txid), .repeated(let row, let txid):
                return ConversationCreated(conversation: row, txid: txid).uncached(.created)
            case .conflict(let reason):
                throw APIError(.conflict, reason)
            case .forbidden:
                throw APIError(.forbidden, "No permission to create this conversation")
            }
        }

        router.post("/questions/send") { request, context -> EditedResponse<QuestionSent> in
            let user = try context.requireIdentity().subject
            let body = try await request.decodeJSON(as: SendQuestionRequest.self)
            let conversation = try Field.id(body.conversationId, "conversationId")
            let question = try Field.id(body.questionId, "questionId")
            let answer = try Field.id(body.answerId, "answerId")
            let content = try Field.text(body.content, "content", bytes: 1...32_768)
            let outcome = try await store.sendQuestion(conversation: conversation, questionID: question, answerID: answer, user: user, content: content)
            if case .created = outcome { CrashAfterCommit.questionCommitted(question) }
            switch outcome {
            case .created(let sent, let txid), .repeated(let sent, let txid):
                // Answer generation starts only now that the commit is durable. A
                // repeat queues it too: the first attempt may have committed and
                // still been answered 503 (the database went away during COMMIT);
                // the queue ignores an answer it has, or one already finished.
                onQuestion(answer, conversation)
                return QuestionSent(txid: txid, position: sent.position).uncached()
            case .conflict(let reason):
                throw APIError(.conflict, reason)
            case .forbidden:
                throw Self.forbiddenToSend
            }
        }
    }
}
