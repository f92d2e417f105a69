/// Minimal JSON text building for the hot path: shape messages are written once
/// per change and served many times, so they are built as bytes, not through
/// `JSONEncoder`.
public enum JSONText {
    /// `value` as a quoted JSON string.
    public static func quoted(_ value: String) -> String {
        // Most values need no escaping: copy them whole.
        guard needsEscaping(value) else { return "\"" + value + "\"" }
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count + 8)
        appendQuoted(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `value` as a quoted JSON string to `out`: runs of bytes that
    /// need no escaping are copied whole. Bytes, not `String`: appending to a
    /// `String` updates its count and flags on every call, which was most of
    /// the time of a large initial snapshot.
    public static func appendQuoted(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if value.utf8.withContiguousStorageIfAvailable({ appendEscaped($0, to: &out) }) == nil {
            Array(value.utf8).withUnsafeBufferPointer { appendEscaped($0, to: &out) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends a JSON object of text values (nil → `null`) in `columns` order;
    /// a column missing from `values` is left out.
    public static func appendRow(_ values: [String: String?], columns: [String], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        var first = true
        for column in columns {
            guard let value = values[column] else { continue }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            appendQuoted(column, to: &out)
            out.append(UInt8(ascii: ":"))
            if let value { appendQuoted(value, to: &out) } else { out.append(contentsOf: "null".utf8) }
        }
        out.append(UInt8(ascii: "}"))
    }

    /// A JSON object of text values (nil → `null`) in `columns` order.
    public static func row(_ values: [String: String?], columns: [String]) -> String {
        var out: [UInt8] = []
        appendRow(values, columns: columns, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func needsEscaping(_ value: String) -> Bool {
        value.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == 0xE2 }
    }

    /// Copies `bytes` to `out`, escaping what JSON requires (quote, backslash,
    /// control characters) and U+2028 and U+2029, which JavaScript before
    /// ES2019 does not accept raw. Runs between escapes are copied whole.
    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var runStart = 0
        var index = 0
        while index < bytes.count {
            guard let (escape, length) = escape(bytes, at: index) else {
                index += 1
                continue
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            out.append(contentsOf: escape.utf8)
            index += length
            runStart = index
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
    }

    /// The escape for the character starting at `index` and how many bytes it
    /// replaces, or nil when it is copied as it is.
    private static func escape(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (String, Int)? {
        switch bytes[index] {
        case UInt8(ascii: "\""): return ("\\\"", 1)
        case UInt8(ascii: "\\"): return ("\\\\", 1)
        case UInt8(ascii: "\n"): return ("\\n", 1)
        case UInt8(ascii: "\r"): return ("\\r", 1)
        case UInt8(ascii: "\t"): return ("\\t", 1)
        case 0x08: return ("\\b", 1)
        case 0x0C: return ("\\f", 1)
        case let byte where byte < 0x20:
            let hex = String(byte, radix: 16)
            return ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex, 1)
        // U+2028 and U+2029 are E2 80 A8 and E2 80 A9; other E2 sequences stay raw.
        case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && bytes[index + 2] == 0xA8:
            return ("\\u2028", 3)
        case 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && bytes[index + 2] == 0xA9:
            return ("\\u2029", 3)
        default:
            return nil
        }
    }

    /// A JSON object from already-encoded member values, in the given order.
    public static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { quoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }
}

extension JSONText {
    /// Why a request body that did not parse is not JSON, in words for a 400:
    /// Foundation says only "not valid JSON", and half a surrogate pair (a
    /// client that cut a string between an emoji's two UTF-16 units) deserves its own.
    public static func invalidBodyReason(_ body: some Collection<UInt8>) -> String {
        guard let escape = unpairedSurrogateEscape(in: body) else { return "the request body is not valid JSON" }
        return "the request body is not valid JSON: \(escape) is half of a UTF-16 surrogate pair, not a character"
    }

    /// The first `\uXXXX` escape in `bytes` that is a surrogate without its other half, as written.
    public static func unpairedSurrogateEscape(in bytes: some Collection<UInt8>) -> String? {
        let bytes = Array(bytes)
        /// The code unit of the `\uXXXX` escape at `index`, if there is one.
        func unit(at index: Int) -> UInt16? {
            guard index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { return nil }
            return UInt16(String(decoding: bytes[(index + 2)..<(index + 6)], as: UTF8.self), radix: 16)
        }
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\\") else {
                index += 1
                continue
            }
            guard let code = unit(at: index) else {
                index += 2  // another escape: its character is not the start of one
                continue
            }
            let written = String(decoding: bytes[index..<(index + 6)], as: UTF8.self)
            switch code {
            case 0xD800...0xDBFF:
                guard let low = unit(at: index + 6), (0xDC00...0xDFFF).contains(low) else { return written }
                index += 12
            case 0xDC00...0xDFFF:
                return written
            default:
                index += 6
            }
        }
        return nil
    }
}
