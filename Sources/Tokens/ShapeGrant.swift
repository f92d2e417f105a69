/// The shape a shape token grants: a table, a `where` with `$n` placeholders, and
/// the values of those placeholders. The gatekeeper takes all three from the token.
public struct ShapeGrant: Sendable, Equatable, Codable {
    public let table: String
    public let `where`: String
    public let params: [String]

    public init(table: String, where whereClause: String, params: [String]) {
        self.table = table
        self.where = whereClause
        self.params = params
    }

    /// Why a shape cannot be granted.
    public enum RuleError: Error, Sendable, Equatable, CustomStringConvertible {
        case unknownTable(String)
        case missingParameter(String)

        public var description: String {
            switch self {
            case .unknownTable(let table): "no shape of table \"\(table)\" can be granted (only messages and conversations)"
            case .missingParameter(let name): "the \(name) parameter is required for this table"
            }
        }
    }

    /// The parameters ``rule(table:params:subject:)`` reads for `table` (nil: no such table).
    /// The API ignores others; the operator's `token mint shape` refuses them, so a
    /// misspelt one is not silently dropped.
    public static func parameters(of table: String) -> [String]? {
        switch table {
        case "messages": ["conversationId"]
        case "conversations": []
        default: nil
        }
    }

    /// The shape of `table` for user `subject`, built from fixed `where` text and
    /// `$1` parameters only: values never become SQL text.
    ///
    /// - `messages` needs `conversationId`: `conversation_id = $1`.
    /// - `conversations`: `user_id = $1` with the user's own id.
    ///
    /// Ownership (may this user read that conversation?) is the caller's job.
    public static func rule(table: String, params: [String: String], subject: String) throws(RuleError) -> ShapeGrant {
        switch table {
        case "messages":
            guard let conversation = params["conversationId"], !conversation.isEmpty else {
                throw .missingParameter("conversationId")
            }
            return ShapeGrant(table: "messages", where: "conversation_id = $1", params: [conversation])
        case "conversations":
            return ShapeGrant(table: "conversations", where: "user_id = $1", params: [subject])
        default:
            throw .unknownTable(table)
        }
    }

    /// Reads the `shape` claim strictly: an object with a non-empty string
    /// `table`, a string `where`, and `params`, an array of strings.
    init(claim: JSONValue?) throws(TokenError) {
        guard let claim else { throw TokenError(.invalidShape, "the shape token has no shape claim") }
        guard let object = claim.objectValue else {
            throw TokenError(.invalidShape, "the shape claim is not an object")
        }
        guard let table = object["table"]?.stringValue, !table.isEmpty else {
            throw TokenError(.invalidShape, "the shape claim has no table")
        }
        guard let whereClause = object["where"]?.stringValue else {
            throw TokenError(.invalidShape, "the shape claim has no where clause")
        }
        guard case .array(let values) = object["params"] ?? .array([]) else {
            throw TokenError(.invalidShape, "the shape claim's params are not an array")
        }
        let params = values.compactMap(\.stringValue)
        guard params.count == values.count else {
            throw TokenError(.invalidShape, "the shape claim's params are not all strings")
        }
        self.init(table: table, where: whereClause, params: params)
    }

    var claim: JSONValue {
        .object(["table": .string(table), "where": .string(self.where), "params": .array(params.map(JSONValue.string))])
    }
}
