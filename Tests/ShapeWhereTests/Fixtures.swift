import Testing
@testable import ShapeWhere

/// The table every test clause is parsed against.
enum Fixtures {
    static let columns: [String: String] = [
        "id": "uuid",
        "conversation_id": "text",
        "title": "text",
        "subtitle": "text",
        "body": "varchar",
        "n": "int4",
        "m": "int4",
        "big": "int8",
        "small": "int2",
        "price": "numeric",
        "score": "float8",
        "ratio": "float4",
        "done": "bool",
        "archived": "bool",
        "created_at": "timestamptz",
        "mood": "Mood",
        "Title": "text",
        "we\"ird": "text",
    ]

    static func clause(_ text: String, _ params: [String] = []) throws -> WhereClause {
        try WhereClause.parse(text, columns: columns, params: params)
    }

    /// The error message for a clause that must be refused; "" if it was accepted.
    static func error(_ text: String, _ params: [String] = []) -> String {
        do {
            _ = try WhereClause.parse(text, columns: columns, params: params)
            return ""
        } catch {
            return error.message
        }
    }

    /// Whether `text` matches `row`, failing the test if it does not parse.
    static func matches(_ text: String, _ row: [String: String?], _ params: [String] = []) throws -> Bool {
        try clause(text, params).matches(row)
    }
}
