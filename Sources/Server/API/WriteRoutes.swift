import AppModel
import Foundation
import Hummingbird

/// `POST /conversations` and `POST /questions/send`: each one transaction whose
/// txid is read inside it and returned as a JSON number. Behind
/// ``TokenAuthMiddleware`` with auth tokens.
struct WriteRoutes {
    let store: any AppStore
    /// Called with (answer id, conversation id) once a question is committed.
    let onQuestion: @Sendable (String, String) -> Void

    func register(on router: some RouterMethods<APIRequestContext>) {
        router.post("/conversations") { request, context -> EditedResponse<ConversationCreated> in
            let user = try context.requireIdentity().subject
            let body = try await request.decodeJSON(as: CreateConversationRequest.self)
            let id = try body.id.map { try Field.id($0, "id") } ?? UUID().uuidString.lowercased()
            // 200 characters, as the contract says; and at most 4 KiB, so that characters
            // built of endless combining marks cannot make a title of tens of kilobytes.
            let title = try Field.text(body.title, "title", bytes: 1...4096, characters: 1...200)
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
            let send = try QuestionSend(try await request.decodeJSON(as: SendQuestionRequest.self))
            return try await send.carryOut(as: user, store: store, onQuestion: onQuestion).uncached()
        }
    }
}

/// A send's fields, checked by the write routes' rules; carried out the same
/// way by the router and by ``QuestionSends``.
struct QuestionSend: Sendable {
    let conversation: String
    let question: String
    let answer: String
    let content: String

    init(_ body: SendQuestionRequest) throws {
        conversation = try Field.id(body.conversationId, "conversationId")
        question = try Field.id(body.questionId, "questionId")
        answer = try Field.id(body.answerId, "answerId")
        guard answer != question else { throw APIError(.invalidRequest, "answerId must differ from questionId") }
        content = try Field.text(body.content, "content", bytes: 1...32_768)
    }

    /// Writes the question and its answer placeholder for `user`: what the
    /// answer says, or the refusal as an ``APIError`` (409, 403).
    func carryOut(as user: String, store: any AppStore, onQuestion: @Sendable (String, String) -> Void) async throws -> QuestionSent {
        let outcome = try await store.sendQuestion(conversation: conversation, questionID: question, answerID: answer, user: user, content: content)
        if case .created = outcome { CrashAfterCommit.questionCommitted(question) }
        switch outcome {
        case .created(let sent, let txid), .repeated(let sent, let txid):
            // Answer generation starts only now that the commit is durable. A
            // repeat queues it too: the first attempt may have committed and
            // still been answered 503 (the database went away during COMMIT);
            // the queue ignores an answer it has, or one already finished.
            onQuestion(answer, conversation)
            return QuestionSent(txid: txid, position: sent.position)
        case .conflict(let reason):
            throw APIError(.conflict, reason)
        case .forbidden:
            throw APIError(.forbidden, "No permission to access messages of this conversation")
        }
    }
}
