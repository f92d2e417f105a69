/// Answers from a folder of Markdown and text files, offline and without a model: the best
/// few passages for the question, each followed by the file and section it comes from.
///
/// The same question against the same knowledge always gives the same answer.
public struct BuiltinAnswerer: Answerer {
    /// The indexed documents the answers come from.
    public let knowledge: KnowledgeBase
    /// At most this many passages make up one answer.
    public var maximumPassages = 3
    /// Further passages are included only when they score at least this share of the best one,
    /// so that a clear best match is not padded out with weak ones.
    public var relativeScoreFloor = 0.5

    /// An answerer over `knowledge`.
    public init(knowledge: KnowledgeBase) {
        self.knowledge = knowledge
    }

    /// Streams the answer one passage at a time; never fails.
    public func answer(_ context: AnswerContext) -> AsyncThrowingStream<String, any Error> {
        let pieces = answerPieces(for: context.question)
        return AsyncThrowingStream { continuation in
            for piece in pieces { continuation.yield(piece) }
            continuation.finish()
        }
    }

    /// The pieces of the answer to `question`: one per passage, or the single "found nothing"
    /// message. Joined they are the whole answer.
    public func answerPieces(for question: String) -> [String] {
        let passages = chosenPassages(for: question)
        guard !passages.isEmpty else { return [noAnswerMessage] }
        return passages.enumerated().map { offset, passage in
            let separator = offset == 0 ? "" : "\n\n"
            return separator + passage.text + "\n" + Self.attribution(of: passage)
        }
    }

    /// The honest answer when no passage is about the question.
    public var noAnswerMessage: String {
        let count = knowledge.documentCount
        let documents = count == 1 ? "1 document" : "\(count) documents"
        return "I found nothing about that in the documentation I have (\(documents))."
    }

    /// "(from README.md § Minting tokens)", or "(from notes.txt)" for a passage without a heading.
    static func attribution(of passage: Passage) -> String {
        guard let heading = passage.heading, !heading.isEmpty else { return "(from \(passage.document))" }
        return "(from \(passage.document) § \(heading))"
    }

    private func chosenPassages(for question: String) -> [Passage] {
        let candidates = knowledge.search(question, limit: max(maximumPassages * 3, 1))
        guard let best = candidates.first else { return [] }
        var chosen: [Passage] = []
        for candidate in candidates where chosen.count < maximumPassages {
            guard candidate.score >= best.score * relativeScoreFloor else { break }
            // The same text can appear in two files (a copied README); once is enough.
            if chosen.contains(where: { $0.text == candidate.text }) { continue }
            chosen.append(candidate)
        }
        return chosen
    }
}
