import Foundation
import ShapeWire
/// The writes and reads of the API and the answer workers, on either store.
public protocol AppStore: Sendable {
    /// The owner of conversation `id`, or nil when there is no such conversation.
    func conversationOwner(_ id: String) async throws -> String?
    /// Creates conversation `id` for `user`; the same request again returns the original row and txid.
    func createConversation(id: String, user: String, title: String, now: Date) async throws -> WriteOutcome<ConversationRow>
    /// Inserts a question and its answer placeholder in one transaction.
    func sendQuestion(conversation: String, questionID: String, answerID: String, user: String, content: String, now: Date) async throws -> WriteOutcome<SentQuestion>
    /// What answer `answerID` needs, or nil when it is not an unfinished answer.
    func answerJob(_ answerID: String) async throws -> AnswerJob?
    /// Writes an answer's content and status in a transaction of its own; nil when it was no longer unfinished.
    func updateAnswer(_ answerID: String, content: String, status: String, now: Date) async throws -> UInt64?
    /// Answers left `pending` or `streaming`, oldest first.
    func unfinishedAnswers() async throws -> [String]
    /// Takes answer `answerID` for this process: false when another instance
    /// sharing the database is working on it (see `unclaimedAnswers`).
    func claimAnswer(_ answerID: String) async throws -> Bool
    /// Unfinished answers no instance is working on, oldest first.
    func unclaimedAnswers() async throws -> [String]
    /// Stops working on answer `answerID` (it stays unfinished for another to take).
    func releaseAnswer(_ answerID: String) async throws
    /// Whether the database answers a query.
    func isHealthy() async -> Bool
}

extension AppStore {
    /// A store only one process writes (the embedded SQLite file, locked by
    /// one server) has nobody to share answers with.
    public func claimAnswer(_ answerID: String) async throws -> Bool { true }
    public func unclaimedAnswers() async throws -> [String] { try await unfinishedAnswers() }
    public func releaseAnswer(_ answerID: String) async throws {}

    public func createConversation(id: String, user: String, title: String) async throws -> WriteOutcome<ConversationRow> {
        try await createConversation(id: id, user: user, title: title, now: Date())
    }

    public func sendQuestion(conversation: String, questionID: String, answerID: String, user: String, content: String) async throws -> WriteOutcome<SentQuestion> {
        try await sendQuestion(conversation: conversation, questionID: questionID, answerID: answerID, user: user, content: content, now: Date())
    }

    @discardableResult
    public func updateAnswer(_ answerID: String, content: String, status: String) async throws -> UInt64? {
        try await updateAnswer(answerID, content: content, status: status, now: Date())
    }
}
