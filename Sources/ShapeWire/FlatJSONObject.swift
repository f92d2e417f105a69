/// Reads the one JSON shape a change log row has: a flat object whose values are
/// strings, integers or null (SQLite's `json_object` of a row). Anything else
/// (nested values, booleans, fractions) answers nil so the caller can take the
/// general parser; this one exists because every replicated change is read
/// through it and Foundation's parser costs several times more.
public enum FlatJSONObject {
    public static func parse(_ text: String) -> [String: String?]? {
        var text = text
        return text.withUTF8 { bytes in
            var reader = Reader(bytes: bytes)
            return reader.object()
        }
    }

    /// A flat object whose values are all strings, each key once, in valid UTF-8
    /// (a request body such as `{"questionId": "q-1", …}`); nil for anything
    /// else, which the caller hands to the general parser for its verdict.
    public static func strings(in body: UnsafeRawBufferPointer) -> [String: String]? {
        let bytes = body.assumingMemoryBound(to: UInt8.self)
        guard String(validating: bytes, as: UTF8.self) != nil else { return nil }
        var reader = Reader(bytes: bytes, stringsOnly: true)
        return reader.object()?.compactMapValues { $0 }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        /// Refuses any value but a string, and a key seen twice.
        var stringsOnly = false
        var index = 0

        mutating func object() -> [String: String?]? {
            skipSpace()
            guard take(UInt8(ascii: "{")) else { return nil }
            // Room for a typical row's columns at once: growing a dictionary key by key rehashes it.
            var row: [String: String?] = [:]
            row.reserveCapacity(8)
            skipSpace()
            if take(UInt8(ascii: "}")) { return atEnd() ? row : nil }
            while true {
                skipSpace()
                guard take(UInt8(ascii: "\"")), let key = string() else { return nil }
                skipSpace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipSpace()
                guard index < bytes.count, !stringsOnly || (bytes[index] == UInt8(ascii: "\"") && row[key] == nil) else { return nil }
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index += 1
                    guard let value = string() else { return nil }
                    row[key] = .some(value)
                case UInt8(ascii: "n"):
                    guard literal("null") else { return nil }
                    row[key] = .some(nil)
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    guard let value = integer() else { return nil }
                    row[key] = .some(value)
                default:
                    return nil
                }
                skipSpace()
                if take(UInt8(ascii: ",")) { continue }
                guard take(UInt8(ascii: "}")) else { return nil }
                return atEnd() ? row : nil
            }
        }

        private mutating func atEnd() -> Bool {
            skipSpace()
            return index == bytes.count
        }

        private mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        private mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
            index += count
            return true
        }

        /// An integer's text as written; fractions and exponents answer nil (the
        /// general parser gives them their canonical text).
        private mutating func integer() -> String? {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digits = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > digits else { return nil }
            if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        }

        /// The rest of a string whose opening quote was taken.
        private mutating func string() -> String? {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    defer { index += 1 }
                    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                }
                if byte == UInt8(ascii: "\\") { return escapedString(from: start) }
                if byte < 0x20 { return nil }
                index += 1
            }
            return nil
        }

        private mutating func escapedString(from start: Int) -> String? {
            var out = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let scalar = unicodeEscape() else { return nil }
                        out.append(contentsOf: String(Character(scalar)).utf8)
                    default: return nil
                    }
                default:
                    if byte < 0x20 { return nil }
                    out.append(byte)
                }
            }
            return nil
        }

        /// `XXXX` after `\u`, joining a surrogate pair; a lone surrogate answers nil.
        private mutating func unicodeEscape() -> Unicode.Scalar? {
            guard let high = hex4() else { return nil }
            if (0xD800...0xDBFF).contains(high) {
                guard take(UInt8(ascii: "\\")), take(UInt8(ascii: "u")), let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            }
            return Unicode.Scalar(high)
        }

        private mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                index += 1
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
    }
}
