import Foundation

/// Cuts a passage's Markdown into ``AnswerUnit``s: paragraphs into sentences, lists into
/// items, tables into rows worded as prose, fenced code blocks kept whole.
struct UnitSplitter {
    /// The header cells of a table whose header row is in an earlier passage of the section
    /// (a long table is cut into several passages).
    var tableHeader: [String]?

    func units(of text: String) -> [AnswerUnit] {
        var units: [AnswerUnit] = []
        var block = 0
        var paragraph: [Substring] = []
        var item: [Substring]?
        var fence: (marker: Substring, language: String, lines: [Substring])?
        var header = tableHeader
        var tableLines: [Substring] = []

        func endParagraph() {
            if !paragraph.isEmpty {
                let joined = paragraph.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
                for sentence in Self.sentences(in: joined) { units.append(AnswerUnit(kind: .sentence, text: sentence, block: block)) }
                block += 1
            }
            paragraph = []
        }
        func endItem() {
            if let lines = item {
                let joined = lines.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
                units.append(AnswerUnit(kind: .listItem, text: joined, block: block))
            }
            item = nil
        }
        func endList() {
            guard item != nil else { return }
            endItem()
            block += 1
        }
        func endTable() {
            guard !tableLines.isEmpty else { return }
            let rows = tableLines.map(Self.cells)
            var body = rows[...]
            if rows.count >= 2, Self.isDelimiterRow(rows[1]) {
                header = rows[0]
                body = rows.dropFirst(2)
            }
            for row in body where !Self.isDelimiterRow(row) {
                units.append(AnswerUnit(kind: .tableRow, text: Self.worded(row, header: header), block: block))
            }
            block += 1
            tableLines = []
        }

        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if let open = fence {
                if trimmed.hasPrefix(open.marker) {
                    let code = open.lines.map(String.init).joined(separator: "\n")
                    units.append(AnswerUnit(kind: .code(language: open.language), text: code, block: block))
                    block += 1
                    fence = nil
                } else {
                    fence?.lines.append(line)
                }
                continue
            }
            if let marker = Self.fenceMarker(trimmed) {
                endParagraph(); endList(); endTable()
                fence = (marker, trimmed.dropFirst(marker.count).trimmingCharacters(in: .whitespaces), [])
                continue
            }
            if trimmed.isEmpty {
                endParagraph(); endList(); endTable()
                continue
            }
            if trimmed.hasPrefix("|") {
                endParagraph(); endList()
                tableLines.append(trimmed)
                continue
            }
            endTable()
            if let rest = Self.afterListMarker(trimmed) {
                endParagraph(); endItem()
                item = [rest]
                continue
            }
            if item != nil {
                item?.append(trimmed)
            } else {
                paragraph.append(trimmed)
            }
        }
        endParagraph(); endList(); endTable()
        // A fence the passage cut before it closed: keep what there is, still whole lines.
        if let open = fence, !open.lines.isEmpty {
            units.append(AnswerUnit(kind: .code(language: open.language), text: open.lines.joined(separator: "\n"), block: block))
        }
        return units
    }

    /// The sentences of a paragraph: cut after `.`, `!` or `?` followed by a space and a capital,
    /// a digit, a backtick or an opening mark, but never inside backticks or brackets, nor after
    /// an abbreviation such as "e.g.".
    static func sentences(in paragraph: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        var inCode = false
        var depth = 0
        let characters = Array(paragraph)
        for (index, character) in characters.enumerated() {
            current.append(character)
            if character == "`" {
                inCode.toggle()
            } else if !inCode && (character == "(" || character == "[") {
                depth += 1
            } else if !inCode && (character == ")" || character == "]") {
                depth = max(0, depth - 1)
            }
            guard !inCode, depth == 0, ".!?".contains(character) else { continue }
            guard index + 2 < characters.count, characters[index + 1] == " " else { continue }
            let next = characters[index + 2]
            guard next.isUppercase || next.isNumber || "`*(\"“".contains(next) else { continue }
            if abbreviations.contains(where: { current.lowercased().hasSuffix($0) }) { continue }
            sentences.append(current.trimmingCharacters(in: .whitespaces))
            current = ""
        }
        let rest = current.trimmingCharacters(in: .whitespaces)
        if !rest.isEmpty { sentences.append(rest) }
        return sentences
    }

    /// The header cells of the last table in `text` (the row above a `|---|` row), if any.
    static func lastTableHeader(in text: String) -> [String]? {
        let lines = text.split(separator: "\n").map { $0.drop(while: { $0 == " " }) }
        var header: [String]?
        for (index, line) in lines.enumerated().dropFirst() where line.hasPrefix("|") && lines[index - 1].hasPrefix("|") {
            if isDelimiterRow(cells(line)) { header = cells(lines[index - 1]) }
        }
        return header
    }

    private static let abbreviations = ["e.g.", "i.e.", "etc.", "vs.", "cf."]

    /// "- ", "* ", "+ " or "12. " at the start of a line: the rest of the line.
    private static func afterListMarker(_ line: Substring) -> Substring? {
        for bullet in ["- ", "* ", "+ "] where line.hasPrefix(bullet) { return line.dropFirst(2) }
        let digits = line.prefix(while: \.isNumber)
        guard !digits.isEmpty, digits.count <= 3 else { return nil }
        let rest = line.dropFirst(digits.count)
        guard rest.hasPrefix(". ") || rest.hasPrefix(") ") else { return nil }
        return rest.dropFirst(2)
    }

    private static func fenceMarker(_ trimmed: Substring) -> Substring? {
        for mark: Character in ["`", "~"] {
            let run = trimmed.prefix(while: { $0 == mark })
            if run.count >= 3 { return run }
        }
        return nil
    }

    /// The cells of a table row, `|` inside backticks kept.
    private static func cells(_ line: Substring) -> [String] {
        var cells: [String] = []
        var cell = ""
        var inCode = false
        for character in line {
            if character == "`" { inCode.toggle() }
            if character == "|" && !inCode {
                cells.append(cell.trimmingCharacters(in: .whitespaces))
                cell = ""
            } else {
                cell.append(character)
            }
        }
        cells.append(cell.trimmingCharacters(in: .whitespaces))
        // The leading and trailing pipes leave an empty cell at each end.
        if cells.first?.isEmpty == true { cells.removeFirst() }
        if cells.last?.isEmpty == true { cells.removeLast() }
        return cells
    }

    private static func isDelimiterRow(_ cells: [String]) -> Bool {
        !cells.isEmpty && cells.allSatisfy { cell in !cell.isEmpty && cell.allSatisfy { "-:| ".contains($0) } }
    }

    /// A row as one line of prose: "**first cell**: second cell; third header: third cell".
    private static func worded(_ row: [String], header: [String]?) -> String {
        guard let first = row.first else { return "" }
        var parts: [String] = []
        for (index, cell) in row.enumerated().dropFirst() where !cell.isEmpty && cell != "—" {
            let label = index >= 2 ? header.flatMap { $0.indices.contains(index) ? $0[index] : nil } : nil
            parts.append(label.map { "\($0): \(cell)" } ?? cell)
        }
        let name = first.hasPrefix("**") ? first : "**\(first)**"
        return parts.isEmpty ? name : name + ": " + parts.joined(separator: "; ")
    }
}
