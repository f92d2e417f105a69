/// Answers from a folder of Markdown and text files, offline and without a model: the
/// sentences of the best-matching section that answer the question (about a hundred words,
/// at most one short code block when the question asks how to run something), then a
/// "Sources:" line naming the sections used. When nothing matches well enough it says it
/// does not know and names the closest topics.
///
/// The same question against the same knowledge always gives the same answer.
public struct BuiltinAnswerer: Answerer {
    /// The indexed documents the answers come from.
    public let knowledge: KnowledgeBase

    /// An answerer over `knowledge`.
    public init(knowledge: KnowledgeBase) {
        self.knowledge = knowledge
    }

    /// Streams the answer one block at a time (paragraph, list, code block, sources line); never fails.
    public func answer(_ context: AnswerContext) -> AsyncThrowingStream<String, any Error> {
        let pieces = answerPieces(for: context.question)
        return AsyncThrowingStream { continuation in
            for piece in pieces { continuation.yield(piece) }
            continuation.finish()
        }
    }

    /// The answer to `question`, with the sections it comes from.
    public func builtinAnswer(for question: String) -> BuiltinAnswer {
        AnswerComposer(knowledge: knowledge).answer(question)
    }

    /// The pieces of the answer to `question`, as they are streamed; joined they are the whole answer.
    public func answerPieces(for question: String) -> [String] {
        builtinAnswer(for: question).pieces
    }
}
