/// A table name as the setup helpers take it: `messages` or `app.messages`,
/// quoted for SQL so that any name is safe to splice into DDL.
struct TableName: Sendable, Equatable {
    var schema: String?
    var name: String

    /// Splits at the first dot; a name with a dot of its own must be schema-qualified.
    init(_ text: String) throws {
        guard !text.isEmpty else { throw ChangeFeedError(.invalidName, "a table name is empty") }
        if let dot = text.firstIndex(of: "."), dot != text.startIndex, text.index(after: dot) != text.endIndex {
            schema = String(text[..<dot])
            name = String(text[text.index(after: dot)...])
        } else {
            schema = nil
            name = text
        }
    }

    /// `"app"."messages"`: quoted, so case and punctuation are kept as written.
    var quoted: String {
        (schema.map { Self.quote($0) + "." } ?? "") + Self.quote(name)
    }

    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingAll("\"", with: "\"\"") + "\""
    }
}

extension String {
    /// Every `target` replaced, without Foundation.
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        result.reserveCapacity(count)
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
