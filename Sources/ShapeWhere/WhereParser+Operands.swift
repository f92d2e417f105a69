extension WhereParser {
    /// Postgres reads these unquoted words as values (`user` is `current_user`), never as
    /// columns, so a column with such a name must be written quoted.
    private static let valueKeywords: Set<String> = [
        "current_date", "current_time", "current_timestamp", "localtime", "localtimestamp",
        "current_user", "current_role", "session_user", "user", "current_catalog", "current_schema",
    ]

    /// Words that start a construct outside the subset, with the name to give it.
    private static let unsupportedStarts: [String: String] = [
        "select": "subqueries are not supported",
        "with": "subqueries are not supported",
        "values": "subqueries are not supported",
        "exists": "EXISTS (subqueries) is not supported",
        "case": "CASE expressions are not supported",
        "cast": "casts (CAST) are not supported",
        "array": "ARRAY constructors are not supported",
        "row": "row constructors are not supported",
        "any": "ANY/ALL are not supported; use IN (...)",
        "all": "ANY/ALL are not supported; use IN (...)",
        "some": "ANY/ALL are not supported; use IN (...)",
    ]

    /// Keywords that cannot start an operand (so `x = AND` is a syntax error, not a column).
    private static let reservedWords: Set<String> = [
        "and", "or", "not", "is", "in", "like", "ilike", "between", "similar", "escape",
        "order", "group", "limit", "offset", "having", "union", "intersect", "except", "where", "from",
        "collate", "isnull", "notnull", "distinct", "else", "end", "then", "when",
    ]

    /// A column, literal, parameter or parenthesised condition; then refuses any
    /// unsupported operator that follows it.
    mutating func primary() throws(WhereError) -> WhereSyntax {
        let token = current
        let operand: WhereSyntax
        switch token.kind {
        case .word("true"):
            advance()
            operand = .boolean(true)
        case .word("false"):
            advance()
            operand = .boolean(false)
        case .word("null"):
            advance()
            operand = .null
        case .word(let word):
            operand = try columnOrUnsupported(word)
        case .quotedIdentifier(let name):
            operand = try column(name)
        case .string(let text):
            advance()
            operand = .string(text)
        case .number(let text):
            advance()
            operand = .number(text)
        case .parameter(let n):
            advance()
            operand = .parameter(n)
        case .symbol("("):
            operand = try parenthesised()
        case .symbol(let sign) where sign == "-" || sign == "+":
            // A sign directly on a number is part of the literal; on anything else it is arithmetic.
            guard case .number(let text) = lookahead() else {
                throw WhereError("arithmetic is not supported: unary \(sign) (at character \(token.position))")
            }
            advance()
            advance()
            operand = .number(sign == "-" ? "-" + text : text)
        case .symbol(let symbol) where !["(", ")", ",", ";", "[", "]", ".", ":", "::"].contains(symbol)
            && ComparisonOperator(rawValue: symbol) == nil && symbol != "!=":
            throw WhereError("operator \(symbol) is not supported (at character \(token.position))")
        default:
            throw unexpected("expected a column, a value or '('")
        }
        try rejectUnsupportedOperator()
        return operand
    }

    private mutating func columnOrUnsupported(_ word: String) throws(WhereError) -> WhereSyntax {
        let position = current.position
        if let message = Self.unsupportedStarts[word] {
            throw WhereError("\(message) (at character \(position))")
        }
        if Self.reservedWords.contains(word) {
            throw unexpected("expected a column, a value or '('")
        }
        if Self.valueKeywords.contains(word) {
            throw WhereError("function calls are not supported: \(word.uppercased()) (at character \(position)); quote a column with that name")
        }
        if case .string = lookahead() {
            throw WhereError("typed literals are not supported: \(word) '...' (at character \(position)); compare the column with a plain string")
        }
        return try column(word)
    }

    private mutating func column(_ name: String) throws(WhereError) -> WhereSyntax {
        let position = current.position
        let shown = WhereText.identifier(name)
        switch lookahead() {
        case .symbol("("):
            throw WhereError("function calls are not supported: \(name)(...) (at character \(position))")
        case .symbol("."):
            throw WhereError("qualified column names are not supported: \(shown).… (at character \(position)); name the column alone")
        default:
            advance()
            return .column(name)
        }
    }

    private mutating func parenthesised() throws(WhereError) -> WhereSyntax {
        try enter()
        defer { depth -= 1 }
        advance()
        if isWord("select") || isWord("with") || isWord("values") {
            throw WhereError("subqueries are not supported (at character \(current.position))")
        }
        let inner = try orExpression()
        if current.kind == .symbol(",") {
            throw WhereError("row constructors are not supported: (a, b) (at character \(current.position))")
        }
        try expectSymbol(")")
        return inner
    }

    /// Names the operator or postfix construct after an operand when it is not in the subset.
    private func rejectUnsupportedOperator() throws(WhereError) {
        let at = " (at character \(current.position))"
        switch current.kind {
        case .symbol("::"):
            throw WhereError("casts (::) are not supported\(at)")
        case .symbol("["):
            throw WhereError("array subscripts are not supported\(at)")
        case .symbol(":"):
            throw WhereError("array slices (:) are not supported\(at)")
        case .symbol(let op) where ["+", "-", "*", "/", "%", "^"].contains(op):
            throw WhereError("arithmetic is not supported: operator \(op)\(at)")
        case .symbol(let op) where !["(", ")", ",", ";", "]", ".", "!="].contains(op) && ComparisonOperator(rawValue: op) == nil:
            throw WhereError("operator \(op) is not supported\(at)")
        case .word("collate"):
            throw WhereError("COLLATE is not supported\(at)")
        case .word("at"):
            throw WhereError("AT TIME ZONE is not supported\(at)")
        default:
            return
        }
    }
}
