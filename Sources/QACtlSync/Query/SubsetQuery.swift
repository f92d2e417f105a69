/// The rows of a shape one query needs, asked of the server as a subset
/// snapshot (query-driven sync): its `where` narrows the shape's, never
/// widens it; the server runs it over the shape's own columns only.
///
/// ```swift
/// let newest = SubsetQuery(where: .equals("conversation_id", "c-1"), orderBy: [.descending("created_at", as: .timestamp)], limit: 50)
/// ```
public struct SubsetQuery: Sendable, Hashable {
    /// Which rows (all of the shape's when nil).
    public var filter: RowFilter?
    /// Their order; the server breaks ties by primary key.
    public var orderBy: [SortKey]
    /// At most this many (needs an order).
    public var limit: Int?
    /// Skipping this many first (needs an order).
    public var offset: Int?

    /// A subset; see the type's example.
    public init(where filter: RowFilter? = nil, orderBy: [SortKey] = [], limit: Int? = nil, offset: Int? = nil) {
        self.filter = filter
        self.orderBy = orderBy
        self.limit = limit
        self.offset = offset
    }

    /// The JSON body of `POST …/shape` (Electric's `#buildSubsetBody`): the
    /// where clause with `$n` placeholders and the values apart.
    var body: [String: Any] {
        var body: [String: Any] = [:]
        if let filter {
            var params: [String] = []
            body["where"] = filter.sql(params: &params)
            if !params.isEmpty {
                body["params"] = Dictionary(uniqueKeysWithValues: params.enumerated().map { (String($0.offset + 1), $0.element) })
            }
        }
        if !orderBy.isEmpty {
            body["order_by"] = orderBy.map { RowFilter.quoted($0.column) + ($0.descending ? " DESC" : " ASC") }.joined(separator: ", ")
        }
        if let limit { body["limit"] = limit }
        if let offset { body["offset"] = offset }
        return body
    }
}

/// A row condition that runs in two places alike: here, over synced rows (a
/// ``LiveQuery``'s filter), and on the server, as a subset's `where` with its
/// values bound as `$n` parameters (never pasted into the SQL).
///
/// Values are compared as text, as the rows carry them.
public indirect enum RowFilter: Sendable, Hashable {
    case equals(String, String)
    case notEquals(String, String)
    case oneOf(String, [String])
    case isNull(String)
    case isNotNull(String)
    case and([RowFilter])
    case or([RowFilter])
    case not(RowFilter)

    /// Whether `row` passes (SQL's three-valued logic: a NULL compared is not a match).
    public func matches(_ row: Row) -> Bool {
        switch self {
        case .equals(let column, let value): row[column].map { $0 == value } ?? false
        case .notEquals(let column, let value): row[column].map { $0 != value } ?? false
        case .oneOf(let column, let values): row[column].map(values.contains) ?? false
        case .isNull(let column): row[column] == nil
        case .isNotNull(let column): row[column] != nil
        case .and(let filters): filters.allSatisfy { $0.matches(row) }
        case .or(let filters): filters.contains { $0.matches(row) }
        case .not(let filter): !filter.matches(row) && !filter.isUnknown(row)
        }
    }

    /// Whether the condition is NULL (neither true nor false) for `row`.
    private func isUnknown(_ row: Row) -> Bool {
        switch self {
        case .equals(let column, _), .notEquals(let column, _), .oneOf(let column, _): row[column] == nil
        case .isNull, .isNotNull: false
        case .and(let filters): !filters.contains { !$0.matches(row) && !$0.isUnknown(row) } && filters.contains { $0.isUnknown(row) }
        case .or(let filters): !filters.contains { $0.matches(row) } && filters.contains { $0.isUnknown(row) }
        case .not(let filter): filter.isUnknown(row)
        }
    }

    /// The condition as SQL, its values appended to `params` (`$1` is `params[0]`).
    func sql(params: inout [String]) -> String {
        func placeholder(_ value: String) -> String {
            params.append(value)
            return "$\(params.count)"
        }
        switch self {
        case .equals(let column, let value): return Self.quoted(column) + " = " + placeholder(value)
        case .notEquals(let column, let value): return Self.quoted(column) + " <> " + placeholder(value)
        case .oneOf(let column, let values):
            guard !values.isEmpty else { return "FALSE" }
            return Self.quoted(column) + " IN (" + values.map(placeholder).joined(separator: ", ") + ")"
        case .isNull(let column): return Self.quoted(column) + " IS NULL"
        case .isNotNull(let column): return Self.quoted(column) + " IS NOT NULL"
        case .and(let filters):
            guard !filters.isEmpty else { return "TRUE" }
            return filters.map { "(" + $0.sql(params: &params) + ")" }.joined(separator: " AND ")
        case .or(let filters):
            guard !filters.isEmpty else { return "FALSE" }
            return filters.map { "(" + $0.sql(params: &params) + ")" }.joined(separator: " OR ")
        case .not(let filter): return "NOT (" + filter.sql(params: &params) + ")"
        }
    }

    static func quoted(_ column: String) -> String {
        "\"" + column.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
