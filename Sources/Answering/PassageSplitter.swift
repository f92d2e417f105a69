import Foundation

/// Cuts documents into passages small enough to be an answer and large enough to make sense
/// alone: Markdown is cut at headings, then paragraphs of one section are gathered up to
/// about `targetWords` words. A fenced code block always stays whole with its paragraph.
struct PassageSplitter {
    /// One passage before indexing.
    struct Piece: Equatable {
        var heading: String?
        var text: String
    }

    /// Paragraphs are gathered until a passage has about this many words.
    var targetWords = 120
    /// A single paragraph longer than this is cut at line ends.
    var longestWords = 250

    /// The passages of `text`; `markdown` decides whether `#` lines are headings.
    func pieces(of text: String, markdown: Bool) -> [Piece] {
        var pieces: [Piece] = []
        var heading: String?
        var blocks: [String] = []
        var current: [Substring] = []
        var fence: Substring?

        func endBlock() {
            if !current.isEmpty { blocks.append(current.joined(separator: "\n")) }
            current = []
        }
        func endSection() {
            endBlock()
            pieces.append(contentsOf: gather(blocks, heading: heading))
            blocks = []
        }

        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for line in lines {
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if let open = fence {
                current.append(line)
                if trimmed.hasPrefix(open) { fence = nil }
                continue
            }
            if markdown, let marker = Self.fenceMarker(trimmed) {
                fence = marker
                current.append(line)
                continue
            }
            if trimmed.allSatisfy(\.isWhitespace) {
                endBlock()
                continue
            }
            if markdown, let text = Self.atxHeading(line) {
                endSection()
                heading = text.isEmpty ? heading : text
                continue
            }
            if markdown, current.count == 1, Self.isSetextUnderline(trimmed) {
                // "Title\n=====" : the one line gathered so far was a heading, not a paragraph.
                let text = current[0].trimmingCharacters(in: .whitespaces)
                current = []
                endSection()
                heading = text
                continue
            }
            current.append(line)
        }
        endSection()
        return pieces
    }

    /// Gathers the blocks of one section into passages of about `targetWords` words.
    private func gather(_ blocks: [String], heading: String?) -> [Piece] {
        var pieces: [Piece] = []
        var gathered: [String] = []
        var words = 0
        for block in blocks.flatMap(cutIfLong) {
            let count = Self.wordCount(block)
            if words > 0 && words + count > targetWords {
                pieces.append(Piece(heading: heading, text: gathered.joined(separator: "\n\n")))
                gathered = []
                words = 0
            }
            gathered.append(block)
            words += count
        }
        if !gathered.isEmpty { pieces.append(Piece(heading: heading, text: gathered.joined(separator: "\n\n"))) }
        return pieces
    }

    /// A paragraph longer than `longestWords` cut at line ends that end a sentence, so that
    /// a passage does not stop mid-sentence where an answer quoting its last lines would;
    /// at any line end only past `longestWords` (a block with no line ends stays whole).
    private func cutIfLong(_ block: String) -> [String] {
        guard Self.wordCount(block) > longestWords else { return [block] }
        var parts: [String] = []
        var lines: [Substring] = []
        var words = 0
        for line in block.split(separator: "\n") {
            let count = Self.wordCount(line)
            // Past the longest a passage may be, any line end will do (a list, a table).
            if words > 0 && words + count > targetWords, let last = lines.last, Self.endsSentence(last) || words + count > longestWords {
                parts.append(lines.joined(separator: "\n"))
                lines = []
                words = 0
            }
            lines.append(line)
            words += count
        }
        if !lines.isEmpty { parts.append(lines.joined(separator: "\n")) }
        return parts
    }

    /// Whether `line` ends with the end of a sentence.
    private static func endsSentence(_ line: Substring) -> Bool {
        var end = line.reversed().drop { $0 == " " || $0 == "\t" }.makeIterator()
        guard let last = end.next() else { return false }
        // Not a colon: what it introduces belongs with it.
        if ".!?".contains(last) { return true }
        // A sentence closed inside a bracket or quote: `(… done.)`, `"… done."`.
        guard ")\"*_".contains(last), let before = end.next() else { return false }
        return ".!?".contains(before)
    }

    static func wordCount(_ text: some StringProtocol) -> Int {
        var count = 0
        var inWord = false
        for byte in text.utf8 {
            let isSpace = byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
            if !isSpace && !inWord { count += 1 }
            inWord = !isSpace
        }
        return count
    }

    /// "```" or "~~~" (three or more) opening a fenced code block; the closing line must start with the same.
    private static func fenceMarker(_ trimmed: Substring) -> Substring? {
        for mark: Character in ["`", "~"] {
            let run = trimmed.prefix(while: { $0 == mark })
            if run.count >= 3 { return run }
        }
        return nil
    }

    /// The text of a heading line such as "## Minting tokens ##", or nil for any other line.
    private static func atxHeading(_ line: Substring) -> String? {
        let indent = line.prefix(while: { $0 == " " })
        guard indent.count <= 3 else { return nil }
        let rest = line.dropFirst(indent.count)
        let hashes = rest.prefix(while: { $0 == "#" })
        guard (1...6).contains(hashes.count) else { return nil }
        let afterHashes = rest.dropFirst(hashes.count)
        guard afterHashes.isEmpty || afterHashes.first == " " || afterHashes.first == "\t" else { return nil }
        var text = afterHashes.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("#") { text.removeLast() }
        return text.trimmingCharacters(in: .whitespaces)
    }

    private static func isSetextUnderline(_ trimmed: Substring) -> Bool {
        let line = trimmed.trimmingCharacters(in: .whitespaces)
        guard let first = line.first, first == "=" || first == "-" else { return false }
        return line.allSatisfy { $0 == first }
    }
}
