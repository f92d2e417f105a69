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

    /// A JSON object from already-encoded member values, in the given order.
    public static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { quoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    /// A JSON object of text values (nil → `null`) in `columns` order.
    public static func row(_ values: [String: String?], columns: [String]) -> String {
        var out = "{"
        var first = true
        for column in columns {
            guard let value = values[column] else { continue }
            if !first { out += "," }
            first = false
            out += quoted(column) + ":" + (value.map(quoted) ?? "null")
        }
        return out + "}"
    }
}
