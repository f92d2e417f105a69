import Foundation
import ShapeWhere
import ShapeWire

/// A subset snapshot (query-driven sync): the rows of a shape that one client
/// query needs, read now. Its `where` narrows the shape's (they are ANDed as
/// syntax trees), may name only the shape's columns, and has its own `$n`.
struct SubsetRequest: Sendable {
    let clause: WhereClause?
    let orderBy: OrderByClause?
    let limit: Int?
    let offset: Int

    /// The `subset__…` query parameters a GET carries (a POST's body becomes
    /// the same, see ``SubsetBody``).
    enum Parameter {
        static let prefix = ShapeParameter.subsetPrefix
        static let `where` = prefix + "where"
        static let params = prefix + "params"
        static let limit = prefix + "limit"
        static let offset = prefix + "offset"
        static let orderBy = prefix + "order_by"
        static let all = ShapeParameter.subsetParameters
    }

    /// Whether `query` asks for a subset.
    static func isAsked(in query: ShapeRequest.Query) -> Bool {
        query.contains { Parameter.all.contains($0.name) }
    }

    /// Parses the subset of a shape on `table` syncing `columns`; errors go to
    /// `reject(parameter, reason)`.
    static func parse(_ values: [String: String], table: TableSchema, columns: [String], reject: (String, String) -> Void) -> SubsetRequest? {
        var valid = true
        func fail(_ name: String, _ reason: String) {
            valid = false
            reject(name, reason)
        }
        func count(_ name: String, minimum: Int) -> Int? {
            guard let text = values[name] else { return nil }
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
                fail(name, "must be a whole number (up to \(Int.max)), found \(text.prefix(40))")
                return nil
            }
            guard number >= minimum else {
                // Electric's wording.
                fail(name, minimum == 0 ? "must be greater than or equal to 0" : "must be greater than 0")
                return nil
            }
            return number
        }
        let limit = count(Parameter.limit, minimum: 1)
        let offset = count(Parameter.offset, minimum: 0)

        var orderBy: OrderByClause?
        if let text = values[Parameter.orderBy], !text.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                orderBy = try OrderByClause.parse(text, columns: Set(columns))
            } catch {
                fail(Parameter.orderBy, error.message)
            }
        } else if values[Parameter.limit] != nil || values[Parameter.offset] != nil {
            fail(Parameter.orderBy, "order_by is required when limit or offset is present")
        }

        var params: [String] = []
        if let text = values[Parameter.params], !text.isEmpty {
            switch Self.params(text) {
            case .success(let found): params = found
            case .failure(let reason): fail(Parameter.params, reason.message)
            }
        }
        var clause: WhereClause?
        if let text = values[Parameter.where], !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            // Only the shape's columns: a subset cannot test what it cannot see.
            let types = table.columnTypes.filter { columns.contains($0.key) }
            do {
                clause = try WhereClause.parse(text, columns: types, params: params)
            } catch {
                fail(Parameter.where, error.message)
            }
        } else if !params.isEmpty {
            fail(Parameter.params, "params were given without a where clause")
        }
        guard valid else { return nil }
        return SubsetRequest(clause: clause, orderBy: orderBy, limit: limit, offset: offset ?? 0)
    }

    /// `{"1": "a", "2": "b"}` (what Electric's client sends) or `["a", "b"]`:
    /// the values of `$1`, `$2`, … Numbers and booleans stand for their text.
    static func params(_ json: String) -> Result<[String], WhereError> {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)) else {
            return .failure(WhereError("params must be a JSON object such as {\"1\": \"value\"}"))
        }
        func text(of value: JSONValue) -> String? {
            switch value {
            case .string(let text): text
            case .number, .bool: value.jsonText
            default: nil
            }
        }
        switch value {
        case .array(let items):
            let texts = items.compactMap(text(of:))
            guard texts.count == items.count else { return .failure(WhereError("every param must be a string, a number or a boolean")) }
            return .success(texts)
        case .object(let members):
            var numbered: [Int: String] = [:]
            for (key, item) in members {
                guard let number = Int(key), number >= 1, key.allSatisfy({ $0.isNumber }) else {
                    return .failure(WhereError("params can only use numbers as keys"))
                }
                guard let value = text(of: item) else { return .failure(WhereError("every param must be a string, a number or a boolean")) }
                numbered[number] = value
            }
            guard numbered.keys.sorted() == Array(1..<(numbered.count + 1)) else {
                return .failure(WhereError("params must be numbered sequentially, starting from 1"))
            }
            return .success((1...max(1, numbered.count)).compactMap { numbered[$0] })
        default:
            return .failure(WhereError("params must be a JSON object such as {\"1\": \"value\"}"))
        }
    }
}

/// The JSON body of `POST /v1/shape` (Electric's client sends long subsets
/// this way): its subset members as `subset__…` query parameters, so a POST
/// and a GET are parsed, checked and relayed alike. Nothing else in a body
/// counts: a shape's table, `where` and secret only ever come from the query.
public enum SubsetBody {
    /// Body members that describe the subset (`where_expr` and
    /// `order_by_expr` are the client's structured copies; the text wins).
    static let members = ShapeParameter.subsetMembers
    public static let maximumBytes = 64 * 1024

    public static func queryParameters(from body: some Collection<UInt8>) -> Result<ShapeRequest.Query, ShapeRequest.Invalid> {
        func invalid(_ reason: String) -> Result<ShapeRequest.Query, ShapeRequest.Invalid> {
            .failure(ShapeRequest.Invalid(errors: ["body": [reason]]))
        }
        if body.isEmpty { return .success([]) }
        guard body.count <= maximumBytes else { return invalid("the request body is larger than \(maximumBytes / 1024) KiB") }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else { return invalid(JSONText.invalidBodyReason(body)) }
        guard case .object(var object) = value else { return invalid("the request body must be a JSON object") }
        // Electric also accepts the members nested as {"subset": {...}}.
        if case .object(let nested)? = object["subset"] { object.merge(nested) { _, inner in inner } }
        var query: ShapeRequest.Query = []
        for name in members {
            guard let member = object[name], member != .null else { continue }
            let text: String
            switch member {
            case .string(let string): text = string
            case .number, .bool, .array, .object: text = member.jsonText
            case .null: continue
            }
            query.append((name: SubsetRequest.Parameter.prefix + name, value: text))
        }
        return .success(query)
    }

    /// The query's `subset__…` parameters as a JSON body again (to relay a
    /// POST to a real Electric), and the rest of the query.
    public static func split(_ query: ShapeRequest.Query) -> (rest: ShapeRequest.Query, body: String?) {
        let prefix = SubsetRequest.Parameter.prefix
        let subset = query.filter { $0.name.hasPrefix(prefix) }
        guard !subset.isEmpty else { return (query, nil) }
        var members: [String: JSONValue] = [:]
        for (name, value) in subset {
            let member = String(name.dropFirst(prefix.count))
            switch member {
            case "limit", "offset":
                members[member] = Double(value).map(JSONValue.number) ?? .string(value)
            case "params":
                members[member] = (try? JSONDecoder().decode(JSONValue.self, from: Data(value.utf8))) ?? .string(value)
            default:
                members[member] = .string(value)
            }
        }
        return (query.filter { !$0.name.hasPrefix(prefix) }, JSONValue.object(members).jsonText)
    }
}
