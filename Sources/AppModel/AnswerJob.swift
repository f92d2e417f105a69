/// An answer to generate: the placeholder row and what it answers.
public struct AnswerJob: Sendable, Equatable {
    public let answerID: String
    public let conversationID: String
    /// The question the placeholder answers (the user's message just before it).
    public let question: String
    /// Earlier completed question/answer pairs of the conversation, oldest first.
    public let history: [(question: String, answer: String)]

    public init(answerID: String, conversationID: String, question: String, history: [(question: String, answer: String)]) {
        self.answerID = answerID
        self.conversationID = conversationID
        self.question = question
        self.history = history
    }

    public static func == (lhs: AnswerJob, rhs: AnswerJob) -> Bool {
        lhs.answerID == rhs.answerID && lhs.conversationID == rhs.conversationID && lhs.question == rhs.question
            && lhs.history.elementsEqual(rhs.history) { $0.question == $1.question && $0.answer == $1.answer }
    }
}
