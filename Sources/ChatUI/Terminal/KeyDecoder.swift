/// A key press, or text, read from a terminal in raw mode.
enum Key: Sendable, Equatable {
    /// Printable text: one key, a burst of typing, or a bracketed paste (its newlines made spaces).
    case text(String)
    case enter, backspace, delete, tab, escape
    case left, right, up, down, home, end, pageUp, pageDown
    /// Ctrl plus a letter, lower-case: `.control("c")` is Ctrl-C.
    case control(Character)
    /// The terminal went away (read returned end of file).
    case endOfInput
}

/// Bytes from a raw-mode terminal → ``Key``s: UTF-8 text (also when a
/// character is split across reads), control keys, CSI and SS3 escape
/// sequences (arrows, Home/End, PageUp/PageDown, Delete, with or without
/// modifiers), and bracketed paste.
///
/// A lone ESC cannot be told from the start of a sequence until the next bytes
/// arrive or do not: the reader calls ``flush()`` when none came in time.
///
/// ```swift
/// var decoder = KeyDecoder()
/// decoder.feed(Array("\u{1B}[5~hé".utf8))   // [.pageUp, .text("hé")]
/// ```
struct KeyDecoder {
    private var pending: [UInt8] = []
    private var inPaste = false
    /// Sequences longer than this are garbage: drop them rather than wait forever.
    private static let maxSequence = 32

    /// Whether bytes are held back waiting for the rest of a sequence.
    var hasPending: Bool { !pending.isEmpty }

    /// Decodes what `bytes` complete; an incomplete tail is kept for the next call.
    mutating func feed(_ bytes: [UInt8]) -> [Key] {
        pending += bytes
        return decode(final: false)
    }

    /// No more bytes came in time: a held ESC is the Escape key; a partial
    /// UTF-8 character is dropped.
    mutating func flush() -> [Key] {
        decode(final: true)
    }

    private mutating func decode(final: Bool) -> [Key] {
        var keys: [Key] = []
        var text: [UInt8] = []
        func emit(_ key: Key) {
            if !text.isEmpty {
                keys.append(.text(String(decoding: text, as: UTF8.self)))
                text = []
            }
            keys.append(key)
        }
        var index = 0
        loop: while index < pending.count {
            let byte = pending[index]
            switch byte {
            case 0x1B:
                switch sequence(at: index) {
                case .incomplete where !final:
                    break loop
                case .incomplete:
                    // The rest never came: Escape, then whatever followed it as text.
                    emit(.escape)
                    index += 1
                case .key(let key, let length):
                    index += length
                    if let key { emit(key) }
                case .pasteStart(let length):
                    inPaste = true
                    index += length
                case .pasteEnd(let length):
                    inPaste = false
                    index += length
                }
            case 0x0D, 0x0A:
                if inPaste {
                    text.append(0x20)
                } else {
                    emit(.enter)
                }
                // CR LF is one Enter.
                index += byte == 0x0D && index + 1 < pending.count && pending[index + 1] == 0x0A ? 2 : 1
            case 0x7F, 0x08:
                emit(.backspace)
                index += 1
            case 0x09:
                if inPaste { text.append(0x20) } else { emit(.tab) }
                index += 1
            case 0x01...0x1A:
                if !inPaste { emit(.control(Character(Unicode.Scalar(byte + 0x60)))) }
                index += 1
            case 0x00..<0x20:
                index += 1
            case 0x20..<0x80:
                text.append(byte)
                index += 1
            default:
                let length = Self.utf8Length(byte)
                guard length > 1 else {
                    index += 1
                    continue
                }
                let available = pending[(index + 1)..<min(index + length, pending.count)]
                guard available.allSatisfy({ $0 & 0xC0 == 0x80 }) else {
                    // Not UTF-8: skip the stray lead byte, keep what follows.
                    index += 1
                    continue
                }
                if index + length > pending.count {
                    if final { index = pending.count }
                    break loop
                }
                text += pending[index..<(index + length)]
                index += length
            }
        }
        pending.removeFirst(min(index, pending.count))
        if !text.isEmpty { keys.append(.text(String(decoding: text, as: UTF8.self))) }
        return keys
    }

    private enum Sequence {
        case incomplete
        /// A key, or nil for a sequence that means nothing here; and its length.
        case key(Key?, Int)
        case pasteStart(Int)
        case pasteEnd(Int)
    }

    /// The escape sequence starting at `start` (an ESC).
    private func sequence(at start: Int) -> Sequence {
        guard start + 1 < pending.count else { return .incomplete }
        let kind = pending[start + 1]
        if kind == UInt8(ascii: "[") {
            var end = start + 2
            // Parameter and intermediate bytes, then one final byte in 0x40...0x7E.
            while end < pending.count, !(0x40...0x7E).contains(pending[end]) {
                end += 1
                if end - start > Self.maxSequence { return .key(nil, end - start) }
            }
            guard end < pending.count else { return .incomplete }
            let parameters = String(decoding: pending[(start + 2)..<end], as: UTF8.self)
            let first = parameters.split(separator: ";").first.map(String.init) ?? ""
            let length = end - start + 1
            switch (pending[end], first) {
            case (UInt8(ascii: "~"), "200"): return .pasteStart(length)
            case (UInt8(ascii: "~"), "201"): return .pasteEnd(length)
            case (UInt8(ascii: "~"), "1"), (UInt8(ascii: "~"), "7"): return .key(.home, length)
            case (UInt8(ascii: "~"), "4"), (UInt8(ascii: "~"), "8"): return .key(.end, length)
            case (UInt8(ascii: "~"), "3"): return .key(.delete, length)
            case (UInt8(ascii: "~"), "5"): return .key(.pageUp, length)
            case (UInt8(ascii: "~"), "6"): return .key(.pageDown, length)
            case (let final, _): return .key(Self.cursorKey(final), length)
            }
        }
        if kind == UInt8(ascii: "O") {
            guard start + 2 < pending.count else { return .incomplete }
            return .key(Self.cursorKey(pending[start + 2]), 3)
        }
        // Alt plus a key: the key alone.
        return .key(nil, 1)
    }

    private static func cursorKey(_ final: UInt8) -> Key? {
        switch final {
        case UInt8(ascii: "A"): .up
        case UInt8(ascii: "B"): .down
        case UInt8(ascii: "C"): .right
        case UInt8(ascii: "D"): .left
        case UInt8(ascii: "H"): .home
        case UInt8(ascii: "F"): .end
        default: nil
        }
    }

    private static func utf8Length(_ lead: UInt8) -> Int {
        switch lead {
        case 0xC2...0xDF: 2
        case 0xE0...0xEF: 3
        case 0xF0...0xF4: 4
        default: 1
        }
    }
}
