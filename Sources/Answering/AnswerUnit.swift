/// The smallest piece of a passage that can stand in an answer on its own: a sentence of a
/// paragraph, a list item, a table row or a whole fenced code block.
///
/// Answers are built from whole units so that they never end mid-sentence or mid-fence.
struct AnswerUnit: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A sentence of prose; sentences of one paragraph share `block`.
        case sentence
        /// A list item, its marker ("- ", "1. ") removed.
        case listItem
        /// A table row, already worded as a list item ("**cell**: cell; header: cell").
        case tableRow
        /// A fenced code block's lines, fences removed; `language` is its info string.
        case code(language: String)
    }

    var kind: Kind
    /// Markdown, on one line for prose; the bare lines for code.
    var text: String
    /// Which paragraph, list, table or code block of the passage the unit belongs to.
    var block: Int

    var isCode: Bool {
        if case .code = kind { return true }
        return false
    }

    /// A console transcript: commands after `$ `, then what they print.
    var isTranscript: Bool {
        guard case .code(let language) = kind else { return false }
        return language == "console" || text.split(separator: "\n").first?.hasPrefix("$ ") == true
    }

    /// Words as a reader counts them (code blocks count none: they are not prose).
    var wordCount: Int { isCode ? 0 : PassageSplitter.wordCount(text) }
}
