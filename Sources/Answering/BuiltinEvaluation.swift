/// How well the built-in answerer answers qactl's own documentation: a fixed set of questions
/// (how-to, what-is, troubleshooting, the sync model, off-topic), each with the sections that
/// hold its answer. Used by the tests and meant for `qactl bench` to print the same figures.
public enum BuiltinEvaluation {
    /// One question of the set.
    public struct Question: Sendable {
        public enum Kind: String, Sendable, CaseIterable {
            case howTo = "how-to", whatIs = "what-is", troubleshooting, syncModel = "sync model", offTopic = "off-topic"
        }

        public var text: String
        public var kind: Kind
        /// "document § heading" of each section that answers it; empty for off-topic questions.
        public var sections: [String]

        public init(_ text: String, _ kind: Kind, _ sections: [String] = []) {
            self.text = text
            self.kind = kind
            self.sections = sections
        }
    }

    /// One question's outcome.
    public struct Outcome: Sendable {
        public var question: Question
        public var answer: BuiltinAnswer
        /// On-topic: the answer's first source is one of the expected sections. Off-topic: the
        /// answer says it does not know and suggests topics.
        public var passed: Bool
    }

    /// The figures of one run.
    public struct Report: Sendable {
        public var outcomes: [Outcome]

        var onTopic: [Outcome] { outcomes.filter { $0.question.kind != .offTopic } }
        var offTopic: [Outcome] { outcomes.filter { $0.question.kind == .offTopic } }

        /// Share (0…1) of on-topic questions whose answer's first source is an expected section.
        public var topSectionAccuracy: Double {
            onTopic.isEmpty ? 0 : Double(onTopic.count(where: \.passed)) / Double(onTopic.count)
        }
        /// Off-topic questions answered with "I don't know" and suggestions, and how many there are.
        public var honestOffTopic: (answered: Int, of: Int) { (offTopic.count(where: \.passed), offTopic.count) }
        /// The longest answer's prose, in words (code blocks and the sources line not counted).
        public var maximumWords: Int { outcomes.map(\.answer.proseWordCount).max() ?? 0 }
        /// The mean prose length of on-topic answers, in words.
        public var meanWords: Double {
            onTopic.isEmpty ? 0 : Double(onTopic.reduce(0) { $0 + $1.answer.proseWordCount }) / Double(onTopic.count)
        }
        /// The most code blocks any answer shows.
        public var maximumCodeBlocks: Int { outcomes.map(\.answer.codeBlockCount).max() ?? 0 }

        /// On-topic questions whose best section was not an expected one.
        public var misses: [Outcome] { onTopic.filter { !$0.passed } }

        /// A few lines for people: accuracy, lengths, honesty, and each miss.
        public var summary: String {
            let percent = (topSectionAccuracy * 1000).rounded() / 10
            let honest = honestOffTopic
            var lines = [
                "builtin answers: \(outcomes.count) questions",
                "  top-1 section accuracy  \(percent)% (\(onTopic.count(where: \.passed)) of \(onTopic.count))",
                "  answer length           max \(maximumWords) words, mean \(Int(meanWords.rounded())) words, at most \(maximumCodeBlocks) code block(s)",
                "  off-topic, honest       \(honest.answered) of \(honest.of)",
            ]
            for miss in misses {
                let got = miss.answer.sources.first?.description ?? "I don't know"
                lines.append("  miss: \(miss.question.text) → \(got) (expected \(miss.question.sections.joined(separator: " or ")))")
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Asks every question of `questions` and scores the answers.
    public static func run(
        answerer: BuiltinAnswerer = BuiltinAnswerer(knowledge: .qactlDocumentation), questions: [Question] = questions
    ) -> Report {
        Report(
            outcomes: questions.map { question in
                let answer = answerer.builtinAnswer(for: question.text)
                return Outcome(question: question, answer: answer, passed: passes(answer, question))
            })
    }

    private static func passes(_ answer: BuiltinAnswer, _ question: Question) -> Bool {
        guard question.kind != .offTopic else {
            return !answer.isKnown && answer.markdown.hasPrefix("I don't know") && answer.blocks.count == 2
        }
        guard answer.isKnown, let first = answer.sources.first else { return false }
        return question.sections.contains(first.description)
    }
}
