@testable import ChatUI
import QACtlTestSupport

/// A tiny VT100/xterm screen: enough of the protocol to read back what the
/// chat drew (cursor addressing, erase, SGR ignored, the alternate screen,
/// wide characters, deferred wrap at the right margin).
struct VirtualScreen {
    private(set) var rows: Int
    private(set) var columns: Int
    /// Each cell holds a character, or "" when it continues the wide character to its left.
    private var main: [[String]]
    private var alternate: [[String]]
    private(set) var usingAlternateScreen = false
    private(set) var cursorVisible = true
    private(set) var bracketedPaste = false
    private var row = 0
    private var column = 0
    private var savedCursor = (0, 0)
    private var pending: [UInt8] = []

    init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        main = Self.blank(rows, columns)
        alternate = Self.blank(rows, columns)
    }

    private static func blank(_ rows: Int, _ columns: Int) -> [[String]] {
        Array(repeating: Array(repeating: " ", count: columns), count: rows)
    }

    /// The visible screen as text, trailing spaces trimmed.
    var text: String { (0..<rows).map(line).joined(separator: "\n") }

    func line(_ index: Int) -> String {
        var text = (usingAlternateScreen ? alternate : main)[index].joined()
        while text.last == " " { text.removeLast() }
        return text
    }

    mutating func resize(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        main = Self.blank(rows, columns)
        alternate = Self.blank(rows, columns)
        row = min(row, rows - 1)
        column = min(column, columns - 1)
    }

    mutating func feed(_ bytes: [UInt8]) {
        pending += bytes
        var index = 0
        while index < pending.count {
            let byte = pending[index]
            if byte == 0x1B {
                guard let length = escape(at: index) else { break }
                index += length
                continue
            }
            switch byte {
            case 0x0D: column = 0
            case 0x0A: lineFeed()
            case 0x08: column = max(0, min(column, columns - 1) - 1)
            case 0x00..<0x20: break
            default:
                let length = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                guard index + length <= pending.count else {
                    pending.removeFirst(index)
                    return
                }
                for scalar in String(decoding: pending[index..<(index + length)], as: UTF8.self).unicodeScalars { put(scalar) }
                index += length
                continue
            }
            index += 1
        }
        pending.removeFirst(min(index, pending.count))
    }

    private mutating func lineFeed() {
        if row == rows - 1 {
            let blankLine = Array(repeating: " ", count: columns)
            modify { $0.removeFirst(); $0.append(blankLine) }
        } else {
            row += 1
        }
    }

    private mutating func put(_ scalar: Unicode.Scalar) {
        var width = DisplayWidth.of(scalar)
        if (0x1F3FB...0x1F3FF).contains(scalar.value) { width = 0 }
        if width == 0 {
            let (r, at) = (row, max(0, min(column, columns) - 1))
            modify { $0[r][at] += String(scalar) }
            return
        }
        if column + width > columns {
            column = 0
            lineFeed()
        }
        let (r, c) = (row, column)
        let cols = columns
        modify {
            $0[r][c] = String(scalar)
            if width == 2 && c + 1 < cols { $0[r][c + 1] = "" }
        }
        column += width
    }

    private mutating func modify(_ change: (inout [[String]]) -> Void) {
        if usingAlternateScreen { change(&alternate) } else { change(&main) }
    }

    /// Handles the sequence at `start`; its length, or nil when incomplete.
    private mutating func escape(at start: Int) -> Int? {
        guard start + 1 < pending.count else { return nil }
        guard pending[start + 1] == UInt8(ascii: "[") else { return 2 }
        var end = start + 2
        while end < pending.count, !(0x40...0x7E).contains(pending[end]) { end += 1 }
        guard end < pending.count else { return nil }
        let body = String(decoding: pending[(start + 2)..<end], as: UTF8.self)
        let isPrivate = body.hasPrefix("?")
        let numbers = body.drop { $0 == "?" }.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) }
        let first = numbers.first.flatMap { $0 } ?? 0
        switch pending[end] {
        case UInt8(ascii: "H"), UInt8(ascii: "f"):
            row = min(rows - 1, max(0, first - 1))
            column = min(columns - 1, max(0, (numbers.count > 1 ? numbers[1] ?? 1 : 1) - 1))
        case UInt8(ascii: "J"):
            let (r, c, cols) = (row, min(column, columns), columns)
            if first == 2 {
                modify { $0 = Self.blank($0.count, cols) }
            } else {
                modify { screen in
                    for index in c..<cols { screen[r][index] = " " }
                    for line in (r + 1)..<screen.count { screen[line] = Array(repeating: " ", count: cols) }
                }
            }
        case UInt8(ascii: "K"):
            let (r, c, cols) = (row, min(column, columns), columns)
            modify { for index in c..<cols { $0[r][index] = " " } }
        case UInt8(ascii: "A"): row = max(0, row - max(1, first))
        case UInt8(ascii: "B"): row = min(rows - 1, row + max(1, first))
        case UInt8(ascii: "C"): column = min(columns - 1, column + max(1, first))
        case UInt8(ascii: "D"): column = max(0, column - max(1, first))
        case UInt8(ascii: "h") where isPrivate: setMode(first, on: true)
        case UInt8(ascii: "l") where isPrivate: setMode(first, on: false)
        default: break
        }
        return end - start + 1
    }

    private mutating func setMode(_ mode: Int, on: Bool) {
        switch mode {
        case 1049:
            if on {
                savedCursor = (row, column)
                alternate = Self.blank(rows, columns)
                usingAlternateScreen = true
            } else {
                usingAlternateScreen = false
                (row, column) = savedCursor
            }
        case 25: cursorVisible = on
        case 2004: bracketedPaste = on
        default: break
        }
    }
}
