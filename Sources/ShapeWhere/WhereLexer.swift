/// One token of a `where` clause, with its 1-based character position for messages.
struct WhereToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// An unquoted identifier or keyword, ASCII-folded to lower case as Postgres does.
        case word(String)
        /// A `"Quoted"` identifier, case kept, `""` undoubled.
        case quotedIdentifier(String)
        /// A `'string'` literal, `''` undoubled.
        case string(String)
        /// A number literal exactly as written (digits, `.`, exponent; no sign).
        case number(String)
        /// `$n`.
        case parameter(Int)
        /// Punctuation and operators: `( ) , ; [ ] . : ::` and any run of operator characters.
        case symbol(String)
        case end
    }

    let kind: Kind
    let position: Int
}

/// Splits a clause into tokens following Postgres' lexical rules closely enough that
/// anything it would read differently (E'' strings, comments, dollar quoting) is
/// refused rather than misread.
struct WhereLexer {
    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    /// All tokens, ending with `.end`.
    static func tokenize(_ text: String) throws(WhereError) -> [WhereToken] {
        var lexer = WhereLexer(text)
        var tokens: [WhereToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let at = index + offset
        return at < scalars.count ? scalars[at] : nil
    }

    private static func isSpace(_ c: Unicode.Scalar) -> Bool {
        c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0B}" || c == "\u{0C}"
    }

    private static func isDigit(_ c: Unicode.Scalar?) -> Bool {
        guard let c else { return false }
        return c >= "0" && c <= "9"
    }

    /// Postgres lets identifiers start with any letter, `_`, or any non-ASCII character.
    static func isIdentifierStart(_ c: Unicode.Scalar?) -> Bool {
        guard let c else { return false }
        return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || c.value >= 0x80
    }

    static func isIdentifierPart(_ c: Unicode.Scalar?) -> Bool {
        isIdentifierStart(c) || isDigit(c) || c == "$"
    }

    private static let operatorCharacters: Set<Unicode.Scalar> = [
        "+", "-", "*", "/", "<", ">", "=", "~", "!", "@", "#", "%", "^", "&", "|", "`", "?",
    ]

    private mutating func next() throws(WhereError) -> WhereToken {
        while let c = peek(), Self.isSpace(c) { index += 1 }
        let start = index
        let position = start + 1
        guard let c = peek() else { return WhereToken(kind: .end, position: position) }
        func token(_ kind: WhereToken.Kind) -> WhereToken { WhereToken(kind: kind, position: position) }

        if c == "\0" {
            throw WhereError("the clause contains a NUL character at character \(position)")
        }
        if (c == "-" && peek(1) == "-") || (c == "/" && peek(1) == "*") {
            throw WhereError("comments are not supported (at character \(position))")
        }
        if c == "'" { return token(.string(try quoted(by: "'", what: "string literal"))) }
        if c == "\"" {
            let name = try quoted(by: "\"", what: "quoted identifier")
            guard !name.isEmpty else {
                throw WhereError("zero-length quoted identifier at character \(position)")
            }
            return token(.quotedIdentifier(name))
        }
        if Self.isDigit(c) || (c == "." && Self.isDigit(peek(1))) {
            return token(.number(try number()))
        }
        if c == "$" {
            return token(.parameter(try parameter()))
        }
        if Self.isIdentifierStart(c) {
            return token(.word(try word()))
        }
        if Self.operatorCharacters.contains(c) {
            return token(.symbol(operatorRun()))
        }
        if c == ":" && peek(1) == ":" {
            index += 2
            return token(.symbol("::"))
        }
        if "(),;[].:".unicodeScalars.contains(c) {
            index += 1
            return token(.symbol(String(c)))
        }
        throw WhereError("unexpected character \(WhereError.quote(String(c))) at character \(position)")
    }

    /// Reads a `'…'` or `"…"` run where a doubled delimiter stands for itself.
    private mutating func quoted(by delimiter: Unicode.Scalar, what: String) throws(WhereError) -> String {
        let position = index + 1
        index += 1
        var text = String.UnicodeScalarView()
        while let c = peek() {
            index += 1
            if c == delimiter {
                if peek() == delimiter {
                    text.append(c)
                    index += 1
                } else {
                    return String(text)
                }
            } else if c == "\0" {
                throw WhereError("the clause contains a NUL character at character \(index)")
            } else {
                text.append(c)
            }
        }
        throw WhereError("unterminated \(what) starting at character \(position)")
    }

    private mutating func digits() -> String {
        var text = ""
        while let c = peek(), Self.isDigit(c) {
            text.unicodeScalars.append(c)
            index += 1
        }
        return text
    }

    private mutating func number() throws(WhereError) -> String {
        let position = index + 1
        var text = digits()
        if peek() == ".", peek(1) != "." {
            index += 1
            text += "." + digits()
        }
        if peek() == "e" || peek() == "E" {
            let sign = peek(1) == "+" || peek(1) == "-"
            if Self.isDigit(peek(sign ? 2 : 1)) {
                text += "e"
                index += 1
                if let c = peek(), sign {
                    text.unicodeScalars.append(c)
                    index += 1
                }
                text += digits()
            }
        }
        // Postgres 15+ rejects `123abc` (and 16 reads `0x1F`, `1_000`); refusing them all
        // keeps us from reading a different number than the database would.
        if Self.isIdentifierPart(peek()) || peek() == "." {
            throw WhereError("trailing junk after number at character \(position)")
        }
        return text
    }

    private mutating func parameter() throws(WhereError) -> Int {
        let position = index + 1
        guard Self.isDigit(peek(1)) else {
            if peek(1) == "$" || Self.isIdentifierStart(peek(1)) {
                throw WhereError("dollar-quoted strings are not supported (at character \(position))")
            }
            throw WhereError("unexpected character '$' at character \(position)")
        }
        index += 1
        let text = digits()
        if Self.isIdentifierPart(peek()) || peek() == "." {
            throw WhereError("trailing junk after parameter at character \(position)")
        }
        guard let number = Int(text), number <= 65_535 else {
            throw WhereError("parameter $\(text.prefix(20)) is out of range")
        }
        return number
    }

    private mutating func word() throws(WhereError) -> String {
        let position = index + 1
        var text = ""
        while let c = peek(), Self.isIdentifierPart(c) {
            // Postgres folds only ASCII letters; other characters keep their case.
            let folded = c >= "A" && c <= "Z" ? Unicode.Scalar(c.value + 32) ?? c : c
            text.unicodeScalars.append(folded)
            index += 1
        }
        // Prefixed literals lex differently (E'' reads backslash escapes), so they are
        // refused here rather than misread as a word followed by a string.
        if peek() == "'" {
            switch text {
            case "e": throw WhereError("escape string literals (E'...') are not supported (at character \(position))")
            case "b", "x": throw WhereError("bit-string literals are not supported (at character \(position))")
            case "n": throw WhereError("national character literals (N'...') are not supported (at character \(position))")
            default: break
            }
        }
        if text == "u", peek() == "&" {
            throw WhereError("Unicode escape literals (U&...) are not supported (at character \(position))")
        }
        return text
    }

    /// Reads an operator the way Postgres does: the longest run of operator characters,
    /// cut short where a comment starts, and not ending in `+`/`-` unless the run has
    /// one of `~ ! @ # % ^ & | \` ?` (so `<-5` is `<` then `-5`).
    private mutating func operatorRun() -> String {
        var run: [Unicode.Scalar] = []
        var at = index
        while at < scalars.count, Self.operatorCharacters.contains(scalars[at]) {
            if !run.isEmpty, (scalars[at] == "-" && at + 1 < scalars.count && scalars[at + 1] == "-")
                || (scalars[at] == "/" && at + 1 < scalars.count && scalars[at + 1] == "*") {
                break
            }
            run.append(scalars[at])
            at += 1
        }
        let special: Set<Unicode.Scalar> = ["~", "!", "@", "#", "%", "^", "&", "|", "`", "?"]
        if !run.contains(where: { special.contains($0) }) {
            while run.count > 1, let last = run.last, last == "+" || last == "-" {
                run.removeLast()
            }
        }
        index += run.count
        var text = ""
        text.unicodeScalars.append(contentsOf: run)
        return text
    }
}
