/// Cleaning, wrapping and cutting text by display columns.
enum TextLayout {
    /// `text` safe to print on a terminal: control characters (escape
    /// sequences' ESC included), C1 controls and bidi overrides removed, tabs
    /// made spaces, newlines kept. A message can then never move the cursor,
    /// change colours or retitle the window.
    static func sanitize(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: out.append(scalar)
            case 0x09: out.append(contentsOf: "    ".unicodeScalars)
            case 0x00..<0x20, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: continue
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// Lines of at most `width` columns: breaks at spaces where it can, inside
    /// a word only when the word alone is too wide; newlines always break.
    static func wrap(_ text: String, width: Int) -> [String] {
        let width = max(1, width)
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            var used = 0
            for token in tokens(paragraph) {
                let tokenWidth = DisplayWidth.of(token)
                if used + tokenWidth <= width {
                    line += token
                    used += tokenWidth
                } else if token.first == " " {
                    lines.append(line)
                    (line, used) = ("", 0)
                } else if tokenWidth <= width {
                    lines.append(trimmingTrailingSpaces(line))
                    (line, used) = (String(token), tokenWidth)
                } else {
                    // A word wider than any line: from a line of its own, cut by columns.
                    if used > 0 {
                        lines.append(trimmingTrailingSpaces(line))
                        (line, used) = ("", 0)
                    }
                    for character in token {
                        let columns = DisplayWidth.of(character)
                        if used + columns > width {
                            lines.append(line)
                            (line, used) = ("", 0)
                        }
                        line.append(character)
                        used += columns
                    }
                }
            }
            lines.append(trimmingTrailingSpaces(line))
        }
        return lines
    }

    /// Runs of spaces and runs of anything else, in order.
    private static func tokens(_ text: Substring) -> [Substring] {
        var result: [Substring] = []
        var start = text.startIndex
        var index = start
        while index < text.endIndex {
            let isSpace = text[index] == " "
            var end = text.index(after: index)
            while end < text.endIndex, (text[end] == " ") == isSpace { end = text.index(after: end) }
            result.append(text[start..<end])
            start = end
            index = end
        }
        return result
    }

    private static func trimmingTrailingSpaces(_ line: String) -> String {
        var line = line
        while line.last == " " { line.removeLast() }
        return line
    }

    /// The longest prefix of `text` that fits in `width` columns (a wide
    /// character that would straddle the edge is left out).
    static func truncate(_ text: String, width: Int) -> String {
        var out = ""
        var used = 0
        for character in text {
            let columns = DisplayWidth.of(character)
            if used + columns > width { break }
            out.append(character)
            used += columns
        }
        return out
    }

    /// `text` cut to `width` columns, with a trailing "…" when it was cut.
    static func ellipsized(_ text: String, width: Int) -> String {
        guard DisplayWidth.of(text) > width else { return text }
        guard width > 1 else { return truncate(text, width: width) }
        return truncate(text, width: width - 1) + "…"
    }

    /// The last `width` columns of `text`.
    static func suffix(_ text: String, width: Int) -> String {
        var out: [Character] = []
        var used = 0
        for character in text.reversed() {
            let columns = DisplayWidth.of(character)
            if used + columns > width { break }
            out.append(character)
            used += columns
        }
        return String(out.reversed())
    }
}
