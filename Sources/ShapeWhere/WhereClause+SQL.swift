/// Which SQL the snapshot prefilter is written for.
public enum SQLDialect: Sendable {
    /// `?` placeholders. Values are assumed stored as TEXT (Postgres text forms);
    /// comparisons that depend on collation say `COLLATE BINARY` (UTF-8 byte order,
    /// as `matches` uses).
    case sqlite
    /// `$1…$n` placeholders, each cast to its type (`$1::"int4"`) so the values can be
    /// sent as text.
    case postgres
}

/// A WHERE condition for a snapshot query, with the values to bind in placeholder order.
public struct SQLFilter: Sendable, Equatable {
    /// The condition, without the `WHERE` keyword. Contains no values: only quoted
    /// identifiers, keywords, operators and placeholders.
    public let sql: String
    /// Text values for the placeholders, nil for SQL NULL.
    public let bindings: [String?]
    /// True when it selects exactly the clause's rows (no row needs checking
    /// afterwards), so a LIMIT can be pushed down with it.
    public let exact: Bool

    /// A filter of `sql` with `bindings` for its placeholders, in order.
    public init(sql: String, bindings: [String?], exact: Bool = false) {
        self.sql = sql
        self.bindings = bindings
        self.exact = exact
    }
}

extension WhereClause {
    /// A prefilter for the initial snapshot, or nil when no part of the clause translates.
    ///
    /// It never matches fewer rows than ``matches(_:)`` would, but may match more (the
    /// caller still runs ``matches(_:)`` on every row it returns). Parts that do not
    /// translate exactly are dropped from an AND, which only widens it; an OR or NOT
    /// over such a part is dropped whole. What translates:
    ///
    /// - comparisons and `[NOT] IN` of a column with constants or another column of a
    ///   comparable type. SQLite: text-compared columns except char(n) (stored padded)
    ///   and timestamps (compared by instant, not text).
    ///   Postgres: text, varchar, name and char(n) (with `COLLATE "C"` wherever the
    ///   collation could change the answer), uuid, numeric and bool columns; never
    ///   timestamptz, date, enums and other types, which Postgres compares by value,
    ///   not text, and whose unchecked constants could make the cast fail the query;
    /// - `IS [NOT] NULL`; a bare bool column (Postgres);
    /// - `LIKE`, and `NOT LIKE` in Postgres (SQLite's LIKE ignores ASCII case, so it is
    ///   only a superset there); never `ILIKE`, whose case folding differs by locale.
    public func sqlFilter(dialect: SQLDialect) -> SQLFilter? {
        let translator = SQLTranslator(dialect: dialect)
        guard let fragment = translator.translate(expression) else { return nil }
        var sql = ""
        var bindings: [String?] = []
        for piece in fragment.pieces {
            switch piece {
            case .sql(let text):
                sql += text
            case .value(let value, let cast):
                bindings.append(value)
                switch dialect {
                case .sqlite: sql += "?"
                case .postgres: sql += "$\(bindings.count)::" + WhereText.identifier(cast)
                }
            }
        }
        return SQLFilter(sql: sql, bindings: bindings, exact: fragment.exact)
    }
}

/// Builds SQL from pieces, so a value can only ever become a placeholder.
private struct SQLFragment {
    enum Piece {
        case sql(String)
        /// A bound value and the type its Postgres placeholder is cast to.
        case value(String?, cast: String)
    }

    var pieces: [Piece]
    /// True when it selects exactly the rows the clause part does; false for a superset.
    var exact: Bool
    /// Needs parentheses inside AND/OR/NOT.
    var compound = false

    var parenthesised: [Piece] {
        compound ? [.sql("(")] + pieces + [.sql(")")] : pieces
    }
}

private struct SQLTranslator {
    let dialect: SQLDialect
    /// Under NOT or IS [NOT] NULL, where a superset would turn into a subset: string
    /// equality then gets `COLLATE "C"` too, in case the column's collation is
    /// nondeterministic.
    var strict = false
    /// How many AND/OR/NOT/IS NULL levels are above. Deeper parts are not
    /// translated (the prefilter widens; the evaluator still decides): SQLite's
    /// parser overflows its stack at about 45 nested NOTs, well inside the
    /// clause's own limit (``WhereClause/maximumDepth``).
    var depth = 0
    static let maximumDepth = 16

    private var deeper: SQLTranslator {
        var next = self
        next.depth += 1
        return next
    }

    func translate(_ expression: WhereExpression) -> SQLFragment? {
        guard depth <= Self.maximumDepth else { return nil }
        let deeper = self.deeper
        switch expression {
        case .column(let column):
            guard dialect == .postgres, column.type.kind == .bool else { return nil }
            return SQLFragment(pieces: [.sql(WhereText.identifier(column.name))], exact: true)
        case .constant:
            return nil
        case .comparison(let op, let left, let right, let domain):
            return comparison(op, left, right, domain)
        case .and(let terms):
            let parts = terms.compactMap(deeper.translate)
            guard !parts.isEmpty else { return nil }
            let exact = parts.count == terms.count && parts.allSatisfy(\.exact)
            return join(parts, with: " AND ", exact: exact)
        case .or(let terms):
            let parts = terms.compactMap(deeper.translate)
            guard parts.count == terms.count else { return nil }
            return join(parts, with: " OR ", exact: parts.allSatisfy(\.exact))
        case .not(let inner):
            // NOT of a superset would be a subset, so only exact parts may be negated.
            var negating = deeper
            negating.strict = true
            guard let part = negating.translate(inner), part.exact else { return nil }
            return SQLFragment(pieces: [.sql("NOT ")] + part.parenthesised, exact: true, compound: true)
        case .isNull(let inner, let negated):
            let suffix = negated ? " IS NOT NULL" : " IS NULL"
            if case .column(let column) = inner {
                return SQLFragment(pieces: [.sql(WhereText.identifier(column.name) + suffix)], exact: true)
            }
            // Whether a condition is unknown is no more monotonic than NOT.
            var testing = deeper
            testing.strict = true
            guard let part = testing.translate(inner), part.exact else { return nil }
            return SQLFragment(pieces: [.sql("(")] + part.pieces + [.sql(")" + suffix)], exact: true)
        case .inList(let subject, let items, let negated, let domain):
            guard case .column(let column) = subject,
                  let collate = collation(column.type, negated ? .notEqual : .equal, domain) else { return nil }
            var pieces: [SQLFragment.Piece] = [.sql(WhereText.identifier(column.name) + collate + (negated ? " NOT IN (" : " IN ("))]
            for (index, item) in items.enumerated() {
                if index > 0 { pieces.append(.sql(", ")) }
                pieces.append(placeholder(item))
            }
            pieces.append(.sql(")"))
            return SQLFragment(pieces: pieces, exact: true)
        case .like(let subject, let pattern, _, let caseInsensitive, let negated):
            return like(subject, pattern, caseInsensitive: caseInsensitive, negated: negated)
        }
    }

    /// The COLLATE clause (possibly empty) under which `op` on a column of `type` in
    /// `domain` translates exactly in this dialect; nil when it does not.
    private func collation(_ type: WhereColumnType, _ op: ComparisonOperator, _ domain: WhereDomain) -> String? {
        switch (dialect, domain) {
        case (.sqlite, .text):
            // char(n) is stored padded but compared without the padding; a timestamp's
            // text order is not its time order (`…T00:00:00Z` against `… 13:18:55+00`).
            switch type.kind {
            case .text(.blankPadded), .text(.timestamp): return nil
            default: break
            }
            // BINARY is byte order, as `matches` uses, whatever the column declares
            // (NOCASE would equate more and order differently).
            return op == .equal && !strict ? "" : " COLLATE BINARY"
        case (.sqlite, _):
            return nil
        case (.postgres, .text):
            switch type.kind {
            case .text(.string), .text(.blankPadded):
                // Postgres orders (and, with a nondeterministic collation, equates) by the
                // column's collation; "C" is byte order, as `matches` uses. A plain `=` keeps
                // the column's collation so an index still applies: a deterministic one
                // agrees with "C", a nondeterministic one finds a superset.
                return op == .equal && !strict ? "" : " COLLATE \"C\""
            case .text(.uuid):
                return ""
            default:
                // timestamptz, date, enums…: Postgres compares them by value, and a
                // constant we cannot check (`'soon'`) would make the cast, and so the
                // whole snapshot query, fail.
                return nil
            }
        case (.postgres, _):
            return ""
        }
    }

    private func comparison(
        _ op: ComparisonOperator, _ left: WhereExpression, _ right: WhereExpression, _ domain: WhereDomain
    ) -> SQLFragment? {
        let pieces: [SQLFragment.Piece]
        switch (left, right) {
        case let (.column(column), .constant(constant)):
            guard let collate = collation(column.type, op, domain) else { return nil }
            pieces = [.sql(WhereText.identifier(column.name) + collate + " \(op.rawValue) "), placeholder(constant)]
        case let (.constant(constant), .column(column)):
            guard let collate = collation(column.type, op, domain) else { return nil }
            pieces = [placeholder(constant), .sql(" \(op.rawValue) " + WhereText.identifier(column.name) + collate)]
        case let (.column(a), .column(b)):
            // Two columns may have different collations, which Postgres refuses to pick
            // between; an explicit "C" settles it (no index serves this anyway).
            var explicit = self
            explicit.strict = true
            guard let collate = explicit.collation(a.type, op, domain), collation(b.type, op, domain) != nil else { return nil }
            pieces = [.sql(WhereText.identifier(a.name) + collate + " \(op.rawValue) " + WhereText.identifier(b.name))]
        default:
            return nil
        }
        return SQLFragment(pieces: pieces, exact: true)
    }

    /// A constant's placeholder, cast to its type. Strings are sent as `text` rather than
    /// the column's type: `varchar` and `name` compare with text directly, and a `name`
    /// cast would cut a long value to 63 bytes.
    private func placeholder(_ constant: WhereConstant) -> SQLFragment.Piece {
        let isText = constant.type.kind == .text(.string)
        return .value(constant.text, cast: isText ? "text" : constant.type.name)
    }

    private func like(
        _ subject: WhereExpression, _ pattern: WhereExpression, caseInsensitive: Bool, negated: Bool
    ) -> SQLFragment? {
        guard !caseInsensitive, case .column(let column) = subject else { return nil }
        // SQLite's LIKE ignores ASCII case, so it matches a superset: fine alone, wrong negated.
        let exact = dialect == .postgres
        if negated && !exact { return nil }
        // In Postgres, "C" keeps LIKE working on a column with a nondeterministic collation
        // (which refuses LIKE) and lets a "C" or pattern-ops index serve a prefix.
        let collate = dialect == .postgres ? " COLLATE \"C\"" : ""
        var pieces: [SQLFragment.Piece] = [.sql(WhereText.identifier(column.name) + collate + (negated ? " NOT LIKE " : " LIKE "))]
        switch pattern {
        case .constant(let constant):
            pieces.append(.value(constant.text, cast: "text"))
        case .column(let source):
            pieces.append(.sql(WhereText.identifier(source.name)))
        default:
            return nil
        }
        // Postgres' default escape is backslash already; SQLite has none unless told.
        if dialect == .sqlite { pieces.append(.sql(" ESCAPE '\\'")) }
        return SQLFragment(pieces: pieces, exact: exact)
    }

    private func join(_ parts: [SQLFragment], with separator: String, exact: Bool) -> SQLFragment {
        guard parts.count > 1 else { return SQLFragment(pieces: parts[0].pieces, exact: exact, compound: parts[0].compound) }
        var pieces: [SQLFragment.Piece] = []
        for (index, part) in parts.enumerated() {
            if index > 0 { pieces.append(.sql(separator)) }
            pieces.append(contentsOf: part.parenthesised)
        }
        return SQLFragment(pieces: pieces, exact: exact, compound: true)
    }
}
