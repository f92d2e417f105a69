import Foundation

/// The Markdown subset that answers use (paragraphs, `-` and numbered lists, headings, fenced
/// code blocks; inline `code`, **bold** and *emphasis*), made readable on a terminal: as plain
/// text for the line modes, as styled, wrapped lines for the full-screen view.
///
/// Only answers are read as Markdown; what people type is shown as typed. An answer still
/// streaming may end inside a code block: the rest is shown as code until the fence closes.
enum AnswerMarkdown {
    enum Block: Equatable {
        /// Lines of one paragraph, line breaks kept as the answer has them.
        case paragraph([String])
        /// A list item: its marker ("-", "1.") and its text.
        case item(marker: String, text: String)
        case heading(String)
        case code([String])
        /// One or more blank lines between blocks.
        case gap
    }

    /// The blocks of `text`, in order.
    static func blocks(_ text: String) -> [Block] {
        var blocks: [Block] = []
        var paragraph: [String] = []
        var code: (fence: String, lines: [String])?

        func endParagraph() {
            if !paragraph.isEmpty { blocks.append(.paragraph(paragraph)) }
            paragraph = []
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = String(line.drop(while: { $0 == " " }))
            if let open = code {
                if trimmed.hasPrefix(open.fence) {
                    blocks.append(.code(open.lines))
                    code = nil
                } else {
                    code?.lines.append(line)
                }
                continue
            }
            if let fence = fence(trimmed) {
                endParagraph()
                code = (fence, [])
            } else if trimmed.isEmpty {
                endParagraph()
                if blocks.last != .gap && !blocks.isEmpty { blocks.append(.gap) }
            } else if let heading = heading(trimmed) {
                endParagraph()
                blocks.append(.heading(heading))
            } else if let item = listItem(trimmed) {
                endParagraph()
                blocks.append(.item(marker: item.marker, text: item.text))
            } else if line.hasPrefix("  "), paragraph.isEmpty, case .item(let marker, let text) = blocks.last {
                // An item's continuation line.
                blocks[blocks.count - 1] = .item(marker: marker, text: text + " " + trimmed)
            } else {
                paragraph.append(line)
            }
        }
        endParagraph()
        if let open = code { blocks.append(.code(open.lines)) }
        if blocks.last == .gap { blocks.removeLast() }
        return blocks
    }

    // MARK: Plain text

    /// `text` as plain text: markers of bold and emphasis removed, code blocks indented by four
    /// spaces without their fences, inline code, list items and paragraphs as they are.
    static func plain(_ text: String) -> String {
        var lines: [String] = []
        for block in blocks(text) {
            switch block {
            case .paragraph(let paragraph): lines += paragraph.map { plainInline($0) }
            case .item(let marker, let text): lines.append("\(marker) \(plainInline(text))")
            case .heading(let heading): lines.append(plainInline(heading))
            case .code(let code): lines += code.map { $0.isEmpty ? "" : "    " + $0 }
            case .gap: lines.append("")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Bold and emphasis markers removed; inline code keeps its backticks, which set a
    /// command or a quoted message apart from the prose around it.
    private static func plainInline(_ text: String) -> String {
        inline(text).map { $0.style == .code ? "`\($0.text)`" : $0.text }.joined()
    }

    // MARK: Styled lines

    /// `text` as screen lines at most `width` columns wide: bold and headings in bold, inline
    /// code and code blocks in the code style, lists with a bullet and a hanging indent, a
    /// closing "Sources:" line dimmed.
    static func styledLines(_ text: String, width: Int) -> [StyledLine] {
        let all = blocks(text)
        var lines: [StyledLine] = []
        for (offset, block) in all.enumerated() {
            switch block {
            case .paragraph(let paragraph):
                let isSources = offset == all.count - 1 && paragraph.first?.hasPrefix("Sources: ") == true
                for line in paragraph {
                    let spans = isSources ? [Span(line, .dim)] : inline(line)
                    lines += StyledWrap.wrap(spans, width: width)
                }
            case .item(let marker, let text):
                let bullet = marker == "-" || marker == "*" || marker == "+" ? "•" : marker
                let hanging = String(repeating: " ", count: DisplayWidth.of(bullet) + 1)
                lines += StyledWrap.wrap(inline(text), width: width, first: [Span(bullet + " ")], rest: [Span(hanging)])
            case .heading(let heading):
                lines += StyledWrap.wrap(inline(heading).map { Span($0.text, .bold) }, width: width)
            case .code(let code):
                for line in code {
                    lines += StyledWrap.wrap([Span(line, .code)], width: width, first: [Span("    ")], rest: [Span("    ")])
                }
            case .gap:
                lines.append(StyledLine())
            }
        }
        return lines
    }

    // MARK: Inline

    /// The spans of one line: `code`, **bold** and *emphasis* styled, their markers removed.
    /// A marker without its closing partner is text.
    static func inline(_ text: String) -> [Span] {
        let characters = Array(text)
        var spans: [Span] = []
        var plain = ""
        var index = 0
        func flush() {
            if !plain.isEmpty { spans.append(Span(plain)) }
            plain = ""
        }
        while index < characters.count {
            let character = characters[index]
            if character == "`", let close = characters[(index + 1)...].firstIndex(of: "`"), close > index + 1 {
                flush()
                spans.append(Span(String(characters[(index + 1)..<close]), .code))
                index = close + 1
            } else if character == "*", index + 1 < characters.count, characters[index + 1] == "*",
                let close = closing("**", in: characters, after: index + 2)
            {
                flush()
                spans += inline(String(characters[(index + 2)..<close])).map { Span($0.text, $0.style == .code ? .code : .bold) }
                index = close + 2
            } else if character == "*", index + 1 < characters.count, characters[index + 1] != " ",
                characters[index + 1] != "*", let close = closing("*", in: characters, after: index + 1)
            {
                flush()
                spans.append(Span(String(characters[(index + 1)..<close]), .emphasis))
                index = close + 1
            } else {
                plain.append(character)
                index += 1
            }
        }
        flush()
        return spans
    }

    /// Where `marker` closes a run begun before `start`: not right after a space, not at
    /// `start`, not inside a code span.
    private static func closing(_ marker: String, in characters: [Character], after start: Int) -> Int? {
        let mark = Array(marker)
        var index = start + 1
        while index + mark.count <= characters.count {
            if characters[index] == "`", let close = characters[(index + 1)...].firstIndex(of: "`") {
                index = close + 1
                continue
            }
            if Array(characters[index..<(index + mark.count)]) == mark, characters[index - 1] != " " { return index }
            index += 1
        }
        return nil
    }

    private static func fence(_ trimmed: String) -> String? {
        for mark in ["```", "~~~"] where trimmed.hasPrefix(mark) { return mark }
        return nil
    }

    private static func heading(_ trimmed: String) -> String? {
        let hashes = trimmed.prefix(while: { $0 == "#" })
        guard (1...6).contains(hashes.count), trimmed.dropFirst(hashes.count).first == " " else { return nil }
        return trimmed.dropFirst(hashes.count + 1).trimmingCharacters(in: .whitespaces)
    }

    private static func listItem(_ trimmed: String) -> (marker: String, text: String)? {
        for bullet in ["- ", "* ", "+ "] where trimmed.hasPrefix(bullet) {
            return (String(bullet.first!), String(trimmed.dropFirst(2)))
        }
        let digits = trimmed.prefix(while: \.isNumber)
        guard !digits.isEmpty, digits.count <= 3, trimmed.dropFirst(digits.count).hasPrefix(". ") else { return nil }
        return (digits + ".", String(trimmed.dropFirst(digits.count + 2)))
    }
}
