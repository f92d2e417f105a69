/// Resolves columns and gives every literal and parameter the type of what it is
/// compared with ("typed by use", as Electric and Postgres do), checking each value
/// the way Postgres' input function for that type would.
struct WhereTypeChecker {
    let columns: [String: WhereColumnType]
    let params: [String]

    static let text = WhereColumnType(typeName: "text")
    static let int8 = WhereColumnType(typeName: "int8")
    static let numeric = WhereColumnType(typeName: "numeric")

    /// An operand before its context is known: typed (a column or a condition) or a
    /// constant still waiting for a type.
    enum Operand {
        case typed(WhereExpression, WhereColumnType, described: String)
        case constant(WhereSyntax)
    }

    /// `syntax` where a condition is required (top level, AND/OR/NOT operands).
    func condition(_ syntax: WhereSyntax) throws(WhereError) -> WhereExpression {
        switch syntax {
        case .column(let name):
            let column = try resolve(name)
            guard column.type.kind == .bool else {
                throw WhereError("column \(WhereText.identifier(name)) is \(column.type.name), not boolean; compare it with a value")
            }
            return .column(column)
        case .boolean(let flag):
            return .constant(WhereConstant(value: .bool(flag), type: .boolean))
        case .null:
            return .constant(.null(.boolean))
        case .parameter(let n):
            let text = try parameterValue(n)
            guard let value = WhereValue.constant(text, as: .boolean) else {
                throw WhereError("parameter $\(n) (\(WhereError.quote(text))) is not a valid bool, and it stands alone as a condition")
            }
            return .constant(WhereConstant(value: value, type: .boolean))
        case .string, .number:
            throw WhereError("\(syntax.summary) is not a condition; compare a column with it")
        case .and(let terms):
            return .and(try terms.map { term throws(WhereError) in try condition(term) })
        case .or(let terms):
            return .or(try terms.map { term throws(WhereError) in try condition(term) })
        case .not(let inner):
            return .not(try condition(inner))
        case .comparison(let op, let left, let right):
            return try comparison(op, left, right)
        case .isNull(let inner, let negated):
            return .isNull(try nullTested(inner), negated: negated)
        case .inList(let subject, let items, let negated):
            return try inList(subject, items, negated: negated)
        case .like(let subject, let pattern, let caseInsensitive, let negated):
            return try like(subject, pattern, caseInsensitive: caseInsensitive, negated: negated)
        }
    }

    func resolve(_ name: String) throws(WhereError) -> WhereColumn {
        if let type = columns[name] { return WhereColumn(name: name, type: type) }
        var message = "unknown column \(WhereText.identifier(name))"
        if let near = columns.keys.sorted().first(where: { $0.lowercased() == name.lowercased() }) {
            message += "; did you mean \(WhereText.identifier(near))? (unquoted names are folded to lower case)"
        }
        throw WhereError(message)
    }

    func operand(_ syntax: WhereSyntax) throws(WhereError) -> Operand {
        switch syntax {
        case .column(let name):
            let column = try resolve(name)
            return .typed(.column(column), column.type, described: "column \(WhereText.identifier(name))")
        case .string, .number, .boolean, .null, .parameter:
            return .constant(syntax)
        default:
            return .typed(try condition(syntax), .boolean, described: "a condition")
        }
    }

    func parameterValue(_ n: Int) throws(WhereError) -> String {
        guard n >= 1 else { throw WhereError("$\(n) is not a parameter; parameters are numbered from $1") }
        guard n <= params.count else {
            throw WhereError("parameter $\(n) has no value (\(params.count) given)")
        }
        return params[n - 1]
    }

    /// Reads constant `syntax` as `type`, returning the constant and the domain the
    /// comparison is made in (wider than `type`'s own when an integer column meets a
    /// decimal literal, as in Postgres `int4 > numeric`).
    func coerce(
        _ syntax: WhereSyntax, to type: WhereColumnType, described target: String
    ) throws(WhereError) -> (WhereConstant, WhereDomain) {
        let against = "compared with \(target) of type \(type.name)"
        switch syntax {
        case .null:
            return (.null(type), type.domain)
        case .boolean(let flag):
            guard type.kind == .bool else { throw WhereError("\(syntax.summary) cannot be \(against)") }
            return (WhereConstant(value: .bool(flag), type: type), .bool)
        case .number(let text):
            if case .integer = type.kind {
                if let syntax = WhereNumberSyntax(text), !syntax.hasPointOrExponent, let value = Int64(text) {
                    return (WhereConstant(value: .integer(value), type: Self.int8), .integer)
                }
                guard let value = WhereDecimal.parse(text) else { throw WhereError("number \(text) is out of range") }
                return (WhereConstant(value: .exact(value), type: Self.numeric), .exact)
            }
            guard type.isNumeric else {
                let hint = type.kind == .bool ? "; use TRUE or FALSE" : "; write it as a string ('\(text)') if you mean text"
                throw WhereError("number \(text) cannot be \(against)\(hint)")
            }
            guard let value = WhereValue.constant(text, as: type) else {
                throw WhereError("number \(text) is out of range for type \(type.name)")
            }
            return (WhereConstant(value: value, type: type), type.domain)
        case .string(let text):
            guard let value = WhereValue.constant(text, as: type) else {
                throw WhereError("\(WhereError.quote(text)) is not a valid \(type.name) (\(against))")
            }
            return (WhereConstant(value: value, type: type), type.domain)
        case .parameter(let n):
            let text = try parameterValue(n)
            guard let value = WhereValue.constant(text, as: type) else {
                throw WhereError("parameter $\(n) (\(WhereError.quote(text))) is not a valid \(type.name) (\(against))")
            }
            return (WhereConstant(value: value, type: type), type.domain)
        default:
            throw WhereError("\(syntax.summary) is not a value")
        }
    }

    private func comparison(_ op: ComparisonOperator, _ left: WhereSyntax, _ right: WhereSyntax) throws(WhereError) -> WhereExpression {
        switch (try operand(left), try operand(right)) {
        case (.constant, .constant):
            throw WhereError("comparing two values is not supported (\(left.summary) \(op.rawValue) \(right.summary)); compare a column with a value")
        case let (.typed(expression, type, described), .constant(syntax)):
            let (constant, domain) = try coerce(syntax, to: type, described: described)
            return .comparison(op, expression, .constant(constant), domain)
        case let (.constant(syntax), .typed(expression, type, described)):
            let (constant, domain) = try coerce(syntax, to: type, described: described)
            return .comparison(op, .constant(constant), expression, domain)
        case let (.typed(leftExpression, leftType, leftName), .typed(rightExpression, rightType, rightName)):
            guard let domain = Self.commonDomain(leftType, rightType) else {
                throw WhereError("cannot compare \(leftName) of type \(leftType.name) with \(rightName) of type \(rightType.name)")
            }
            return .comparison(op, leftExpression, rightExpression, domain)
        }
    }

    /// The domain two typed operands compare in, following Postgres' implicit casts:
    /// any float makes it float8, else any numeric makes it numeric.
    static func commonDomain(_ a: WhereColumnType, _ b: WhereColumnType) -> WhereDomain? {
        if a.isNumeric && b.isNumeric {
            if a.domain == .float || b.domain == .float { return .float }
            return a.domain == .exact || b.domain == .exact ? .exact : .integer
        }
        if a.kind == .bool && b.kind == .bool { return .bool }
        if case .text = a.kind, case .text = b.kind, a.name == b.name || (a.isString && b.isString) {
            return .text
        }
        return nil
    }
}
