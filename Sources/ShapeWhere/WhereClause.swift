/// A shape's `where` clause: parsed, type-checked against the table's columns, with
/// its parameters substituted. It evaluates the clause against replicated rows,
/// names the shape (``normalized``), routes changes (``equalityTerms``) and filters
/// the initial snapshot (``sqlFilter(dialect:)``).
///
/// Values are Postgres text forms: a row maps column names to their text, nil for NULL.
public struct WhereClause: Sendable, Hashable {
    /// Longest clause accepted, in UTF-8 bytes.
    public static let maximumLength = 16 * 1024
    /// Deepest nesting of parentheses and NOT accepted.
    public static let maximumDepth = WhereParser.maximumDepth

    let expression: WhereExpression

    /// Canonical text: identifiers always double-quoted, keywords upper case, `!=` as
    /// `<>`, parameters substituted as literals of the type they were read as (numbers
    /// bare, booleans `TRUE`/`FALSE`, everything else single-quoted with `''`), and only
    /// the parentheses precedence needs. Clauses that differ only in whitespace,
    /// keyword case, grouping of AND/OR, or a parameter versus the same literal, give
    /// the same text, so it serves as the shape's identity.
    ///
    /// For text, numeric, bool and uuid columns Postgres reads it with the same meaning
    /// (under the "C" collation); other types it compares by value. With long
    /// parameters it can exceed ``maximumLength``: to rebuild a clause, parse the
    /// original text and parameters rather than this.
    public let normalized: String

    /// The types of the columns the clause refers to (part of its identity: `"n" = 1`
    /// means something else if `n` is text).
    let columnTypes: [String: WhereColumnType]

    /// Parses `text` for a table whose columns map names to Postgres type names
    /// (`typname`: `text`, `int4`, `int8`, `float8`, `numeric`, `bool`, `timestamptz`,
    /// `uuid`, …; SQL spellings such as `integer` also work). `params[0]` is `$1`.
    ///
    /// Throws ``WhereError`` for: an empty, over-long or too deeply nested clause; a
    /// syntax error; an unknown column; `$n` with no value; a literal or parameter that
    /// is not valid for the type it is compared with; a clause that is not a condition;
    /// and every construct outside the supported subset, named in the message
    /// (function calls, casts, arithmetic, `||`, subqueries, BETWEEN, ANY/ALL, `;`,
    /// comments, …).
    public static func parse(_ text: String, columns: [String: String], params: [String]) throws(WhereError) -> WhereClause {
        guard text.utf8.count <= maximumLength else {
            throw WhereError("the where clause is too long (\(text.utf8.count) bytes; at most \(maximumLength))")
        }
        let syntax = try WhereParser.parse(text)
        let checker = WhereTypeChecker(columns: columns.mapValues(WhereColumnType.init(typeName:)), params: params)
        return WhereClause(expression: try checker.condition(syntax))
    }

    init(expression: WhereExpression) {
        self.expression = expression
        self.normalized = expression.normalized
        var columnTypes: [String: WhereColumnType] = [:]
        expression.collectColumns(into: &columnTypes)
        self.columnTypes = columnTypes
    }

    /// Whether `row` satisfies the clause under SQL three-valued logic: only TRUE
    /// matches, FALSE and unknown (NULL) do not. A column missing from `row` is NULL.
    public func matches(_ row: [String: String?]) -> Bool {
        expression.truth(in: row) == true
    }

    /// Rows matching both clauses: a subset's clause narrowing its shape's.
    /// Combined as syntax trees, never as text, so neither can break out of the AND.
    public func and(_ other: WhereClause) -> WhereClause {
        WhereClause(expression: .and([expression, other.expression]))
    }

    /// The names of all columns the clause refers to.
    public var referencedColumns: Set<String> {
        Set(columnTypes.keys)
    }

    /// The `column = constant` terms (either order) that every matching row satisfies:
    /// the top-level AND-ed ones, or the whole clause if it is one. Empty when there are
    /// none, e.g. when the top level is OR.
    ///
    /// `value` is the constant as the column's values are written, so a change can be
    /// routed by looking up `(column, row[column])`. Only columns compared as text
    /// (text, varchar, uuid, timestamptz, enums, …) and integer columns are included:
    /// for them a row matches exactly when its text equals `value` (Postgres prints
    /// integers and uuids in one canonical form). Numeric, float and bool equalities are
    /// left out because one value has several spellings (`1.5`/`1.50`, `t`/`true`).
    public var equalityTerms: [EqualityTerm] {
        var terms: [EqualityTerm] = []
        for term in expression.conjuncts {
            guard case .comparison(.equal, let left, let right, let domain) = term,
                  domain == .text || domain == .integer else { continue }
            let pair: (WhereColumn, WhereConstant)
            switch (left, right) {
            case let (.column(column), .constant(constant)), let (.constant(constant), .column(column)):
                pair = (column, constant)
            default:
                continue
            }
            // char(n) values are compared without their padding, but rows carry it; a
            // timestamp equals rows written in other text (`…T00:00:00Z`, `… 00:00:00+00`).
            guard let value = pair.1.text else { continue }
            switch pair.0.type.kind {
            case .text(.blankPadded), .text(.timestamp): continue
            default: break
            }
            let found = EqualityTerm(column: pair.0.name, value: value)
            if !terms.contains(found) { terms.append(found) }
        }
        return terms
    }

    /// Equal when the normalised texts and the types of the referenced columns are.
    public static func == (lhs: WhereClause, rhs: WhereClause) -> Bool {
        lhs.normalized == rhs.normalized && lhs.columnTypes == rhs.columnTypes
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(normalized)
        hasher.combine(columnTypes)
    }
}

/// A `column = value` term of a clause, for indexing shapes by the values they select.
public struct EqualityTerm: Sendable, Hashable {
    /// The column's name.
    public let column: String
    /// The constant in the column's text form.
    public let value: String

    /// A term requiring `column` to equal `value`.
    public init(column: String, value: String) {
        self.column = column
        self.value = value
    }
}
