/// A column a clause refers to, with its resolved type.
struct WhereColumn: Sendable, Hashable {
    let name: String
    let type: WhereColumnType
}

/// A literal or parameter after typing: its value read as `type` (nil for NULL).
struct WhereConstant: Sendable {
    let value: WhereValue?
    /// The type the value was read as; it decides the literal's spelling and the cast
    /// on its SQL placeholder.
    let type: WhereColumnType

    static func null(_ type: WhereColumnType) -> WhereConstant {
        WhereConstant(value: nil, type: type)
    }

    /// The value as Postgres input text (`12`, `1.5`, `true`, `NaN`), nil for NULL;
    /// this is what gets bound to a placeholder.
    var text: String? {
        switch value {
        case nil: nil
        case .integer(let number): String(number)
        case .exact(let number): number.text
        case .float(let number): Self.floatText(number, single: type.kind == .float(single: true))
        case .bool(let flag): flag ? "true" : "false"
        case .text(let string), .instant(_, let string): string
        }
    }

    /// The value as a SQL literal for the normalised text: numbers bare, booleans as
    /// keywords, everything else (and NaN/Infinity, which are not number syntax, and
    /// float4 values) quoted. Postgres reads the text with the same meaning.
    var literal: String {
        switch value {
        case nil: return "NULL"
        case .bool(let flag): return flag ? "TRUE" : "FALSE"
        case .text(let string), .instant(_, let string): return WhereText.string(string)
        case .integer(let number):
            return String(number)
        case .exact(let number):
            return number.form == .finite ? number.text : WhereText.string(number.text)
        case .float(let number):
            let single = type.kind == .float(single: true)
            let text = Self.floatText(number, single: single)
            // A bare `0.1` is numeric to Postgres, and float4 = numeric compares in
            // float8, where 0.1 as float4 is not 0.1; quoted, it is read as float4.
            return number.isFinite && !single ? text : WhereText.string(text)
        }
    }

    private static func floatText(_ number: Double, single: Bool) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number < 0 ? "-Infinity" : "Infinity" }
        // Shortest text that reads back to the same value, in the precision it has.
        return single ? Float(number).description : number.description
    }
}

/// A type-checked clause. Boolean nodes evaluate to TRUE/FALSE/unknown; columns and
/// constants are also operands read in the domain their comparison chose.
indirect enum WhereExpression: Sendable {
    case column(WhereColumn)
    case constant(WhereConstant)
    case comparison(ComparisonOperator, WhereExpression, WhereExpression, WhereDomain)
    case and([WhereExpression])
    case or([WhereExpression])
    case not(WhereExpression)
    case isNull(WhereExpression, negated: Bool)
    case inList(WhereExpression, [WhereConstant], negated: Bool, WhereDomain)
    /// `compiled` is the pattern when it is a constant, prepared once at parse time.
    case like(WhereExpression, pattern: WhereExpression, compiled: WhereLikePattern?, caseInsensitive: Bool, negated: Bool)

    // MARK: - Normalised text

    /// Binding strength, as Postgres ranks it; a child weaker than its context is parenthesised.
    private var precedence: Int {
        switch self {
        case .or: 1
        case .and: 2
        case .not: 3
        case .isNull: 4
        case .comparison: 5
        case .inList, .like: 6
        case .column, .constant: 7
        }
    }

    /// `child`'s text, in parentheses unless it binds more tightly than `floor`.
    private func operand(_ child: WhereExpression, above floor: Int) -> String {
        child.precedence > floor ? child.normalized : "(" + child.normalized + ")"
    }

    var normalized: String {
        switch self {
        case .column(let column):
            return WhereText.identifier(column.name)
        case .constant(let constant):
            return constant.literal
        case .comparison(let op, let left, let right, _):
            return operand(left, above: 5) + " " + op.rawValue + " " + operand(right, above: 5)
        case .and(let terms):
            return terms.map { operand($0, above: 2) }.joined(separator: " AND ")
        case .or(let terms):
            return terms.map { operand($0, above: 1) }.joined(separator: " OR ")
        case .not(let inner):
            return "NOT " + operand(inner, above: 2)
        case .isNull(let inner, let negated):
            return operand(inner, above: 4) + (negated ? " IS NOT NULL" : " IS NULL")
        case .inList(let subject, let items, let negated, _):
            let list = items.map(\.literal).joined(separator: ", ")
            return operand(subject, above: 6) + (negated ? " NOT IN (" : " IN (") + list + ")"
        case .like(let subject, let pattern, _, let caseInsensitive, let negated):
            let keyword = (negated ? " NOT " : " ") + (caseInsensitive ? "ILIKE " : "LIKE ")
            return operand(subject, above: 6) + keyword + operand(pattern, above: 6)
        }
    }

    // MARK: - Structure

    /// Every column named anywhere in the clause.
    func collectColumns(into columns: inout [String: WhereColumnType]) {
        switch self {
        case .column(let column):
            columns[column.name] = column.type
        case .constant:
            break
        case .comparison(_, let left, let right, _):
            left.collectColumns(into: &columns)
            right.collectColumns(into: &columns)
        case .and(let terms), .or(let terms):
            for term in terms { term.collectColumns(into: &columns) }
        case .not(let inner), .isNull(let inner, _), .inList(let inner, _, _, _):
            inner.collectColumns(into: &columns)
        case .like(let subject, let pattern, _, _, _):
            subject.collectColumns(into: &columns)
            pattern.collectColumns(into: &columns)
        }
    }

    /// The terms that must all be true: the children of a top-level AND, else the clause itself.
    var conjuncts: [WhereExpression] {
        if case .and(let terms) = self { return terms }
        return [self]
    }
}
