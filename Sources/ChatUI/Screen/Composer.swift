/// The one-line editor at the bottom of the screen: text as grapheme clusters
/// and a cursor between them, so a wide or combined character is one step.
struct Composer: Sendable, Equatable {
    private(set) var characters: [Character] = []
    /// Index into ``characters``: the cursor stands before that character.
    private(set) var cursor = 0

    var text: String { String(characters) }
    var isEmpty: Bool { characters.isEmpty }

    /// Inserts at the cursor; control characters are dropped.
    mutating func insert(_ text: String) {
        let clean = TextLayout.sanitize(text).replacingNewlines()
        let inserted = Array(clean)
        characters.insert(contentsOf: inserted, at: cursor)
        cursor += inserted.count
    }

    mutating func backspace() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    mutating func deleteForward() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    /// Ctrl-W: the word before the cursor, and the spaces after it.
    mutating func deleteWordBackward() {
        var start = cursor
        while start > 0, characters[start - 1] == " " { start -= 1 }
        while start > 0, characters[start - 1] != " " { start -= 1 }
        characters.removeSubrange(start..<cursor)
        cursor = start
    }

    mutating func moveLeft() { cursor = max(0, cursor - 1) }
    mutating func moveRight() { cursor = min(characters.count, cursor + 1) }
    mutating func moveHome() { cursor = 0 }
    mutating func moveEnd() { cursor = characters.count }

    mutating func clear() {
        characters = []
        cursor = 0
    }

    /// The text, leaving the composer empty.
    mutating func take() -> String {
        defer { clear() }
        return text
    }

    /// What fits in `width` columns with the cursor in view, and the cursor's
    /// column in it. The window scrolls so the cursor stays visible, keeping as
    /// much text before it as fits.
    func visible(width: Int) -> (text: String, cursorColumn: Int) {
        let width = max(1, width)
        let widths = characters.map(DisplayWidth.of)
        let beforeCursor = widths[..<cursor].reduce(0, +)
        // One column is kept for the cursor itself at the end of the text.
        var start = 0
        var used = beforeCursor
        while used > width - 1, start < cursor {
            used -= widths[start]
            start += 1
        }
        var shown = ""
        var total = 0
        for index in start..<characters.count {
            if total + widths[index] > width { break }
            shown.append(characters[index])
            total += widths[index]
        }
        return (shown, used)
    }
}

extension String {
    /// Newlines as spaces: the composer is one line.
    fileprivate func replacingNewlines() -> String {
        String(map { $0.isNewline ? " " : $0 })
    }
}
