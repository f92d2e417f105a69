/// How a run of text looks. Colours only when colour is allowed (a terminal,
/// no `NO_COLOR`); bold, dim and reverse video are not colour and stay.
enum Style: Sendable, Equatable {
    case plain, bold, dim, placeholder, bar
    case userLabel, answerLabel, good, warning, bad
    /// Inline code and code blocks in answers; emphasis (`*word*`) in answers.
    case code, emphasis

    /// The SGR parameters, or nil for none.
    func parameters(colour: Bool) -> String? {
        switch self {
        case .plain: nil
        case .bold: "1"
        case .dim: "2"
        case .placeholder: "2;3"
        case .bar: "7"
        case .userLabel: colour ? "1;36" : "1"
        case .answerLabel: colour ? "1;35" : "1"
        case .good: colour ? "32" : nil
        case .warning: colour ? "33" : nil
        case .bad: colour ? "31" : "1"
        case .code: colour ? "36" : nil
        case .emphasis: "3"
        }
    }
}

/// A run of text in one style.
struct Span: Sendable, Equatable {
    var text: String
    var style: Style

    init(_ text: String, _ style: Style = .plain) {
        self.text = text
        self.style = style
    }
}

/// One screen row as spans, before it is fitted to the width.
struct StyledLine: Sendable, Equatable {
    var spans: [Span]
    /// Pads the row to the full width in this style (a bar), rather than clearing the rest.
    var fill: Style?

    init(_ spans: [Span] = [], fill: Style? = nil) {
        self.spans = spans
        self.fill = fill
    }

    /// The plain text, without styles.
    var text: String { spans.map(\.text).joined() }

    /// The row as terminal output: cut to `width` columns, styled, then padded
    /// (a bar) or followed by "erase to end of line".
    func rendered(width: Int, colour: Bool) -> String {
        var out = ""
        var used = 0
        for span in spans where used < width {
            let piece = TextLayout.truncate(span.text, width: width - used)
            guard !piece.isEmpty else { continue }
            used += DisplayWidth.of(piece)
            let base = fill?.parameters(colour: colour)
            let own = span.style.parameters(colour: colour)
            let parameters = [base, own].compactMap { $0 }.joined(separator: ";")
            out += parameters.isEmpty ? piece : "\u{1B}[\(parameters)m" + piece + "\u{1B}[0m"
        }
        if let fill, used < width {
            let padding = String(repeating: " ", count: width - used)
            let parameters = fill.parameters(colour: colour)
            out += parameters.map { "\u{1B}[\($0)m" + padding + "\u{1B}[0m" } ?? padding
        } else if used < width {
            out += "\u{1B}[K"
        }
        return out
    }
}
