/// Recursive-descent parser for the supported subset, with Postgres' precedence
/// (lowest first): OR, AND, NOT, IS [NOT] NULL, comparison, [NOT] LIKE/ILIKE/IN.
///
/// Every construct outside the subset is recognised well enough to be named in the
/// error, so a client learns *what* is unsupported instead of getting "syntax error".
struct WhereParser {
    /// Parentheses and NOTs deeper than this are refused: it bounds the recursion here
    /// and in everything that later walks the tree, so no input can overflow the stack.
    static let maximumDepth = 100

    private let tokens: [WhereToken]
    var index = 0
    var depth = 0

    private init(tokens: [WhereToken]) {
        self.tokens = tokens
    }

    static func parse(_ text: String) throws(WhereError) -> WhereSyntax {
        var parser = WhereParser(tokens: try WhereLexer.tokenize(text))
        if parser.current.kind == .end {
            throw WhereError("the where clause is empty")
        }
        let syntax = try parser.orExpression()
        switch parser.current.kind {
        case .end:
            return syntax
        case .symbol(";"):
            throw WhereError("multiple statements (;) are not supported")
        default:
            throw parser.unexpected("expected AND, OR or the end of the clause")
        }
    }

    // MARK: - Tokens

    var current: WhereToken { tokens[min(index, tokens.count - 1)] }

    func lookahead(_ offset: Int = 1) -> WhereToken.Kind {
        tokens[min(index + offset, tokens.count - 1)].kind
    }

    mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    func isWord(_ word: String) -> Bool {
        current.kind == .word(word)
    }

    mutating func consumeWord(_ word: String) -> Bool {
        guard isWord(word) else { return false }
        advance()
        return true
    }

    mutating func expectSymbol(_ symbol: String) throws(WhereError) {
        guard current.kind == .symbol(symbol) else { throw unexpected("expected '\(symbol)'") }
        advance()
    }

    mutating func enter() throws(WhereError) {
        depth += 1
        if depth > Self.maximumDepth {
            throw WhereError("the clause nests too deeply (more than \(Self.maximumDepth) levels of parentheses or NOT)")
        }
    }

    func unexpected(_ expectation: String) -> WhereError {
        WhereError("syntax error at character \(current.position): \(expectation), found \(Self.describe(current.kind))")
    }

    /// Words shown upper case in messages; any other word is shown as the identifier it is.
    static let keywords: Set<String> = [
        "and", "or", "not", "is", "in", "like", "ilike", "null", "true", "false", "between", "similar", "escape",
        "order", "group", "limit", "offset", "having", "union", "intersect", "except", "where", "from", "select",
        "collate", "isnull", "notnull", "distinct", "unknown", "case", "when", "then", "else", "end", "at",
    ]

    static func describe(_ kind: WhereToken.Kind) -> String {
        switch kind {
        case .word(let word): keywords.contains(word) ? word.uppercased() : WhereText.identifier(word)
        case .quotedIdentifier(let name): WhereText.identifier(name)
        case .string(let text): WhereError.quote(text)
        case .number(let text): text
        case .parameter(let n): "$\(n)"
        case .symbol(let symbol): "'\(symbol)'"
        case .end: "the end of the clause"
        }
    }

    // MARK: - Boolean structure

    mutating func orExpression() throws(WhereError) -> WhereSyntax {
        var terms = [try andExpression()]
        while consumeWord("or") {
            terms.append(try andExpression())
        }
        guard terms.count > 1 else { return terms[0] }
        // OR is associative, so nested ORs flatten; the normalised text is then the same
        // however the user grouped them.
        return .or(terms.flatMap { term -> [WhereSyntax] in
            if case .or(let inner) = term { return inner }
            return [term]
        })
    }

    private mutating func andExpression() throws(WhereError) -> WhereSyntax {
        var terms = [try notExpression()]
        while consumeWord("and") {
            terms.append(try notExpression())
        }
        guard terms.count > 1 else { return terms[0] }
        return .and(terms.flatMap { term -> [WhereSyntax] in
            if case .and(let inner) = term { return inner }
            return [term]
        })
    }

    private mutating func notExpression() throws(WhereError) -> WhereSyntax {
        guard consumeWord("not") else { return try isExpression() }
        try enter()
        defer { depth -= 1 }
        return .not(try notExpression())
    }

    private mutating func isExpression() throws(WhereError) -> WhereSyntax {
        let operand = try comparisonExpression()
        if isWord("isnull") || isWord("notnull") {
            throw WhereError("\(Self.describe(current.kind)) is not supported; write IS NULL or IS NOT NULL")
        }
        guard consumeWord("is") else { return operand }
        let negated = consumeWord("not")
        if consumeWord("null") {
            if isWord("is") {
                throw unexpected("a second IS needs parentheses")
            }
            return .isNull(operand, negated: negated)
        }
        let form = negated ? "IS NOT" : "IS"
        switch current.kind {
        case .word("true"), .word("false"), .word("unknown"):
            throw WhereError("\(form) \(Self.describe(current.kind)) is not supported")
        case .word("distinct"):
            throw WhereError("\(form) DISTINCT FROM is not supported")
        case .word(let word) where ["json", "document", "normalized", "nfc", "nfd", "nfkc", "nfkd", "of"].contains(word):
            throw WhereError("\(form) \(word.uppercased()) is not supported")
        default:
            throw unexpected("expected NULL after \(form)")
        }
    }

    private mutating func comparisonExpression() throws(WhereError) -> WhereSyntax {
        let left = try patternExpression()
        guard let op = comparisonOperator() else { return left }
        advance()
        let right = try patternExpression()
        if comparisonOperator() != nil {
            throw unexpected("a comparison cannot follow another without parentheses")
        }
        return .comparison(op, left, right)
    }

    private func comparisonOperator() -> ComparisonOperator? {
        guard case .symbol(let symbol) = current.kind else { return nil }
        return symbol == "!=" ? .notEqual : ComparisonOperator(rawValue: symbol)
    }

    /// `[NOT] LIKE`, `[NOT] ILIKE`, `[NOT] IN (…)`, which bind tighter than comparisons.
    private mutating func patternExpression() throws(WhereError) -> WhereSyntax {
        let left = try primary()
        var negated = false
        if isWord("not"), case .word(let next) = lookahead(),
           ["like", "ilike", "in", "between", "similar"].contains(next) {
            advance()
            negated = true
        }
        let not = negated ? "NOT " : ""
        switch current.kind {
        case .word("like"), .word("ilike"):
            let caseInsensitive = isWord("ilike")
            advance()
            let pattern = try primary()
            if isWord("escape") {
                throw WhereError("\(not)\(caseInsensitive ? "ILIKE" : "LIKE") ... ESCAPE is not supported; the escape character is always backslash")
            }
            return .like(left, pattern: pattern, caseInsensitive: caseInsensitive, negated: negated)
        case .word("in"):
            advance()
            return .inList(left, try inList(), negated: negated)
        case .word("between"):
            throw WhereError("\(not)BETWEEN is not supported; use >= and <=")
        case .word("similar"):
            throw WhereError("\(not)SIMILAR TO is not supported")
        default:
            return left
        }
    }

    private mutating func inList() throws(WhereError) -> [WhereSyntax] {
        guard current.kind == .symbol("(") else { throw unexpected("expected '(' after IN") }
        advance()
        if isWord("select") || isWord("with") || isWord("values") {
            throw WhereError("subqueries are not supported (IN (SELECT ...))")
        }
        if current.kind == .symbol(")") {
            throw unexpected("IN needs at least one value")
        }
        var items = [try primary()]
        while current.kind == .symbol(",") {
            advance()
            items.append(try primary())
        }
        try expectSymbol(")")
        return items
    }
}
