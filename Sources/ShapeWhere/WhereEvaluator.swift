/// SQL three-valued evaluation of a typed clause against one row.
///
/// `nil` is SQL's unknown. A row value that does not read as its column's type (which
/// Postgres output never produces) also counts as unknown, so a malformed row can
/// never make a clause true by accident.
extension WhereExpression {
    typealias Row = [String: String?]

    /// TRUE, FALSE or unknown (nil) for a boolean node.
    func truth(in row: Row) -> Bool? {
        switch self {
        case .column(let column):
            return Self.raw(column, in: row).flatMap(WhereValue.bool)
        case .constant(let constant):
            guard case .bool(let flag) = constant.value else { return nil }
            return flag
        case .comparison(let op, let left, let right, let domain):
            guard let a = left.value(in: row, domain: domain),
                  let b = right.value(in: row, domain: domain),
                  let order = a.compare(b) else { return nil }
            return op.holds(order)
        case .and(let terms):
            // FALSE wins over unknown; unknown wins over TRUE.
            var unknown = false
            for term in terms {
                switch term.truth(in: row) {
                case false?: return false
                case nil: unknown = true
                case true?: break
                }
            }
            return unknown ? nil : true
        case .or(let terms):
            var unknown = false
            for term in terms {
                switch term.truth(in: row) {
                case true?: return true
                case nil: unknown = true
                case false?: break
                }
            }
            return unknown ? nil : false
        case .not(let inner):
            return inner.truth(in: row).map { !$0 }
        case .isNull(let inner, let negated):
            return inner.isNull(in: row) != negated
        case .inList(let subject, let items, let negated, let domain):
            return Self.contains(subject.value(in: row, domain: domain), items).map { $0 != negated }
        case .like(let subject, let pattern, let compiled, let caseInsensitive, let negated):
            guard let text = subject.text(in: row) else { return nil }
            let matcher: WhereLikePattern
            if let compiled {
                matcher = compiled
            } else {
                // A pattern taken from a column: one ending in a lone backslash is an
                // error in Postgres; here it is simply unknown.
                guard let source = pattern.text(in: row),
                      let dynamic = WhereLikePattern(source, caseInsensitive: caseInsensitive) else { return nil }
                matcher = dynamic
            }
            return matcher.matches(text) != negated
        }
    }

    /// `value IN (items)`: TRUE if any item equals it; else unknown if it or any item is
    /// NULL; else FALSE. So `'b' IN ('a', NULL)` is unknown, not FALSE.
    private static func contains(_ value: WhereValue?, _ items: [WhereConstant]) -> Bool? {
        guard let value else { return nil }
        var sawNull = false
        for item in items {
            guard let candidate = item.value else {
                sawNull = true
                continue
            }
            if value.compare(candidate) == 0 { return true }
        }
        return sawNull ? nil : false
    }

    /// The operand read in `domain`; nil for NULL or unreadable.
    func value(in row: Row, domain: WhereDomain) -> WhereValue? {
        switch self {
        case .column(let column):
            guard let text = Self.raw(column, in: row) else { return nil }
            return WhereValue.read(text, as: column.type, in: domain)
        case .constant(let constant):
            return constant.value
        default:
            return truth(in: row).map(WhereValue.bool)
        }
    }

    /// A text operand (LIKE subject or pattern) as it is written.
    private func text(in row: Row) -> String? {
        switch self {
        case .column(let column):
            return Self.raw(column, in: row)
        case .constant(let constant):
            guard case .text(let text) = constant.value else { return nil }
            return text
        default:
            return nil
        }
    }

    private func isNull(in row: Row) -> Bool {
        switch self {
        case .column(let column): Self.raw(column, in: row) == nil
        case .constant(let constant): constant.value == nil
        default: truth(in: row) == nil
        }
    }

    /// A missing key counts as NULL, like a present NULL.
    private static func raw(_ column: WhereColumn, in row: Row) -> String? {
        row[column.name] ?? nil
    }
}
