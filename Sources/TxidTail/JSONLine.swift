import ShapeWire

/// Builds one JSON object, fields in the order added, numbers written exactly
/// (64-bit values would lose digits through `Double`).
struct JSONLine {
    private var fields: [String] = []

    init(type: String) {
        add("type", type)
    }

    mutating func add(_ key: String, _ value: String?) {
        fields.append(Self.quote(key) + ":" + (value.map(Self.quote) ?? "null"))
    }

    mutating func add(_ key: String, _ value: UInt64?) {
        fields.append(Self.quote(key) + ":" + (value.map { String($0) } ?? "null"))
    }

    mutating func add(_ key: String, _ value: Int64?) {
        fields.append(Self.quote(key) + ":" + (value.map { String($0) } ?? "null"))
    }

    mutating func add(_ key: String, _ value: Int) {
        fields.append(Self.quote(key) + ":" + String(value))
    }

    mutating func add(_ key: String, strings: [String]) {
        fields.append(Self.quote(key) + ":[" + strings.map(Self.quote).joined(separator: ",") + "]")
    }

    mutating func add(_ key: String, numbers: [UInt64]) {
        fields.append(Self.quote(key) + ":[" + numbers.map { String($0) }.joined(separator: ",") + "]")
    }

    var text: String { "{" + fields.joined(separator: ",") + "}" }

    /// A JSON string literal, escaped as everywhere else in qactl.
    static func quote(_ text: String) -> String { JSONText.quoted(text) }
}
