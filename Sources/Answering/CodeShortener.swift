/// Makes a code block short enough for an answer: a console transcript becomes the commands
/// it runs (what they print is left out), a long script the lines that matter.
enum CodeShortener {
    /// At most this many commands or lines are shown.
    static let longest = 4

    /// The lines to show of `unit` (a code unit); `relevance` scores a line against the question.
    static func shorten(_ unit: AnswerUnit, relevance: (String) -> Double) -> String {
        let lines = unit.text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let pieces = unit.isTranscript ? commands(in: lines) : lines
        guard pieces.count > longest || unit.isTranscript else { return pieces.joined(separator: "\n") }
        let relevant = pieces.filter { relevance($0) > 0 }
        let kept = relevant.isEmpty ? Array(pieces.prefix(1)) : Array(relevant.prefix(longest))
        return kept.joined(separator: "\n")
    }

    /// The commands of a transcript, prompt removed, each with its continuation lines (after a
    /// line ending in a backslash).
    private static func commands(in lines: [String]) -> [String] {
        var commands: [String] = []
        var continuing = false
        for line in lines {
            if line.hasPrefix("$ ") {
                commands.append(String(line.dropFirst(2)))
                continuing = line.hasSuffix("\\")
            } else if continuing, !commands.isEmpty {
                commands[commands.count - 1] += "\n" + line
                continuing = line.hasSuffix("\\")
            }
        }
        return commands
    }

    /// A command synopsis without the optional `[…]` parts the question does not ask about:
    /// `qactl serve [--listen <host:port>] … [--database-url <url>] …` for a question about
    /// PostgreSQL keeps `--database-url` and drops twenty other options.
    static func synopsis(_ synopsis: String, relevance: (String) -> Double) -> String {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in synopsis {
            if character == " " && depth == 0 {
                if !current.isEmpty { parts.append(current) }
                current = ""
                continue
            }
            if character == "[" { depth += 1 }
            if character == "]" { depth = max(0, depth - 1) }
            current.append(character)
        }
        if !current.isEmpty { parts.append(current) }
        guard parts.count > 6 else { return synopsis }
        var kept: [String] = []
        for part in parts {
            let optional = part.hasPrefix("[")
            if !optional || relevance(part) > 0 {
                kept.append(part)
            } else if kept.last != "[…]" {
                kept.append("[…]")
            }
        }
        return kept.joined(separator: " ")
    }
}
