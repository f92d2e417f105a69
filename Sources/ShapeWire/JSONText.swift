/// Minimal JSON text building for the hot path: shape messages are written once
/// per change and served many times, so they are built as bytes, not through
/// `JSONEncoder`.
public enum JSONText {
    /// `value` as a quoted JSON string.
    public static func quoted(_ value: String) -> String {
        // Most values need no escaping: copy them whole.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == 0xE2 }) {
            return "\"" + value + "\""
        }
        var out = "\""
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        return out
    }

    /// Appends `value` as a quoted JSON string to `out` (no intermediate strings
    /// when nothing needs escaping, the common case).
    public static func appendQuoted(_ value: String, to out: inout String) {
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == 0xE2 }) {
            out += "\""
            out += value
            out += "\""
        } else {
            out += quoted(value)
        }
    }

    /// Appends a JSON object of text values (nil → `null`) in `columns` order.
    public static func appendRow(_ values: [String: String?], columns: [String], to out: inout String) {
        out += "{"
        var first = true
        for column in columns {
            guard let value = values[column] else { continue }
            if !first { out += "," }
            first = false
            appendQuoted(column, to: &out)
            out += ":"
            if let value { appendQuoted(value, to: &out) } else { out += "null" }
        }
        out += "}"
    }

    /// A JSON object from already-encoded member values, in the given order.
    public static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { quoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    /// A JSON object of text values (nil → `null`) in `columns` order.
    public static func row(_ values: [String: String?], columns: [String]) -> String {
        var out = ""
        appendRow(values, columns: columns, to: &out)
        return out
    }
}
