/// Something that turns a question (and the conversation so far) into answer text.
///
/// The server stores the question first, then consumes the stream and writes the
/// answer row as it grows, so answerers hand out text in pieces as soon as they have it.
public protocol Answerer: Sendable {
    /// Streams pieces of the answer text, in order; joined, they are the whole answer.
    ///
    /// The stream finishes normally when the answer is complete and throws an
    /// ``AnswerFailure`` with a readable reason when it cannot be completed.
    /// Cancelling the consuming task stops the work promptly (the process is killed,
    /// the HTTP request cancelled).
    func answer(_ context: AnswerContext) -> AsyncThrowingStream<String, any Error>
}

/// Everything an answerer may use to answer one question.
public struct AnswerContext: Sendable {
    /// The question to answer.
    public var question: String
    /// The conversation's earlier completed question/answer pairs, oldest first.
    public var history: [Exchange]

    /// A context for `question`, with the earlier completed exchanges of its conversation.
    public init(question: String, history: [Exchange] = []) {
        self.question = question
        self.history = history
    }
}

/// One completed question and its answer, earlier in the same conversation.
public struct Exchange: Sendable, Equatable {
    /// The question as the user asked it.
    public var question: String
    /// The complete answer text.
    public var answer: String

    /// An exchange of `question` and its complete `answer`.
    public init(question: String, answer: String) {
        self.question = question
        self.answer = answer
    }
}

/// Why an answer could not be produced, worded for the person reading the answer row.
public struct AnswerFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reason, a short sentence fragment such as "the answer command timed out after 2m".
    public let reason: String

    /// A failure with a reason that users will read.
    public init(_ reason: String) {
        self.reason = reason
    }

    /// The reason itself, so that logs and answer rows read the same.
    public var description: String { reason }
}
