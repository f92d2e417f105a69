extension WhereTypeChecker {
    /// The operand of IS [NOT] NULL: anything; a bare constant is read as text, as an
    /// untyped Postgres literal would be.
    func nullTested(_ syntax: WhereSyntax) throws(WhereError) -> WhereExpression {
        switch try operand(syntax) {
        case .typed(let expression, _, _):
            return expression
        case .constant(let constant):
            switch constant {
            case .boolean:
                return .constant(try coerce(constant, to: .boolean, described: "IS NULL").0)
            case .number:
                return .constant(try coerce(constant, to: Self.numeric, described: "IS NULL").0)
            default:
                return .constant(try coerce(constant, to: Self.text, described: "IS NULL").0)
            }
        }
    }

    /// `subject [NOT] IN (items)`: the subject must be a column or condition, the items
    /// values, each typed as the subject.
    func inList(_ subject: WhereSyntax, _ items: [WhereSyntax], negated: Bool) throws(WhereError) -> WhereExpression {
        guard case .typed(let expression, let type, let described) = try operand(subject) else {
            throw WhereError("the left side of IN must be a column, not \(subject.summary)")
        }
        var typed: [(WhereConstant, WhereDomain)] = []
        for item in items {
            guard case .constant = try operand(item) else {
                throw WhereError("IN (...) lists may only hold values, not columns or conditions")
            }
            typed.append(try coerce(item, to: type, described: described))
        }
        // An integer column against a list mixing 1 and 1.5 compares every item as
        // numeric, so the whole list shares one domain.
        guard typed.contains(where: { $0.1 == .exact }), type.domain == .integer else {
            return .inList(expression, typed.map(\.0), negated: negated, type.domain)
        }
        let widened = typed.map { constant, _ -> WhereConstant in
            guard case .integer(let number) = constant.value else { return constant }
            return WhereConstant(value: .exact(WhereDecimal(number)), type: Self.numeric)
        }
        return .inList(expression, widened, negated: negated, .exact)
    }

    /// `subject [NOT] LIKE/ILIKE pattern`: the subject a text column, the pattern a
    /// string, parameter or text column.
    func like(
        _ subject: WhereSyntax, _ pattern: WhereSyntax, caseInsensitive: Bool, negated: Bool
    ) throws(WhereError) -> WhereExpression {
        let keyword = caseInsensitive ? "ILIKE" : "LIKE"
        guard case .typed(let expression, let type, let described) = try operand(subject),
              case .column = expression else {
            throw WhereError("the left side of \(keyword) must be a column, not \(subject.summary)")
        }
        guard type.isString else {
            throw WhereError("\(keyword) needs a text column; \(described) is \(type.name)")
        }
        switch try operand(pattern) {
        case .constant(let constant):
            switch constant {
            case .null, .string, .parameter:
                let (value, _) = try coerce(constant, to: Self.text, described: "a \(keyword) pattern")
                guard case .text(let text) = value.value else {
                    return .like(expression, pattern: .constant(value), compiled: nil, caseInsensitive: caseInsensitive, negated: negated)
                }
                guard let compiled = WhereLikePattern(text, caseInsensitive: caseInsensitive) else {
                    throw WhereError("\(keyword) pattern \(WhereError.quote(text)) must not end with the escape character (backslash)")
                }
                return .like(expression, pattern: .constant(value), compiled: compiled, caseInsensitive: caseInsensitive, negated: negated)
            default:
                throw WhereError("a \(keyword) pattern must be a string, not \(constant.summary)")
            }
        case .typed(let patternExpression, let patternType, let patternName):
            guard case .column = patternExpression, patternType.kind == .text(.string) else {
                throw WhereError("a \(keyword) pattern must be a string or a text or varchar column, not \(patternName) of type \(patternType.name)")
            }
            return .like(expression, pattern: patternExpression, compiled: nil, caseInsensitive: caseInsensitive, negated: negated)
        }
    }
}
