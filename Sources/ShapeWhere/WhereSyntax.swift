/// A comparison operator; `!=` is read as `<>`, as Postgres does.
enum ComparisonOperator: String, Sendable, Hashable, CaseIterable {
    case equal = "="
    case notEqual = "<>"
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="

    /// Whether `order` (the sign of left compared with right) satisfies the operator.
    func holds(_ order: Int) -> Bool {
        switch self {
        case .equal: order == 0
        case .notEqual: order != 0
        case .less: order < 0
        case .lessOrEqual: order <= 0
        case .greater: order > 0
        case .greaterOrEqual: order >= 0
        }
    }
}

/// The clause as written, before names are resolved and constants typed.
/// Literals stay as text here because their meaning depends on what they are compared with.
indirect enum WhereSyntax: Sendable, Equatable {
    case column(String)
    case string(String)
    /// A number literal with its sign, e.g. `-1.5e3`.
    case number(String)
    case boolean(Bool)
    case null
    case parameter(Int)
    case comparison(ComparisonOperator, WhereSyntax, WhereSyntax)
    case and([WhereSyntax])
    case or([WhereSyntax])
    case not(WhereSyntax)
    case isNull(WhereSyntax, negated: Bool)
    case inList(WhereSyntax, [WhereSyntax], negated: Bool)
    case like(WhereSyntax, pattern: WhereSyntax, caseInsensitive: Bool, negated: Bool)

    /// Short text for messages, e.g. `"title"` or `$2`.
    var summary: String {
        switch self {
        case .column(let name): WhereText.identifier(name)
        case .string(let text): WhereError.quote(text)
        case .number(let text): text
        case .boolean(let value): value ? "TRUE" : "FALSE"
        case .null: "NULL"
        case .parameter(let n): "$\(n)"
        default: "a condition"
        }
    }
}
