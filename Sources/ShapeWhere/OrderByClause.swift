/// A subset snapshot's `order_by`: column names, each with an optional
/// `ASC`/`DESC` and `NULLS FIRST`/`NULLS LAST` (`"created_at" DESC NULLS FIRST,
/// id`). Only columns: the SQL is rebuilt from the parsed terms, so nothing a
/// client writes reaches the database as text.
public struct OrderByClause: Sendable, Equatable {
    public struct Term: Sendable, Equatable {
        public let column: String
        public let descending: Bool
        /// Postgres' default when not given: NULLs sort as the largest value.
        public let nullsFirst: Bool
    }

    public let terms: [Term]

    /// Parses `text` against the columns a client may order by.
    public static func parse(_ text: String, columns: Set<String>) throws(WhereError) -> OrderByClause {
        guard text.utf8.count <= WhereClause.maximumLength else {
            throw WhereError("order_by is too long (\(text.utf8.count) bytes; at most \(WhereClause.maximumLength))")
        }
        var words = try OrderByWords(text)
        var terms: [Term] = []
        repeat {
            guard let name = try words.identifier() else {
                throw WhereError("order_by must list column names, each optionally followed by ASC or DESC and NULLS FIRST or NULLS LAST")
            }
            guard columns.contains(name) else {
                throw WhereError("order_by refers to \(WhereError.quote(name)), which is not a column of this shape")
            }
            var descending = false
            if words.keyword("desc") { descending = true } else { _ = words.keyword("asc") }
            var nullsFirst = descending
            if words.keyword("nulls") {
                if words.keyword("first") { nullsFirst = true } else if words.keyword("last") { nullsFirst = false } else {
                    throw WhereError("order_by: NULLS must be followed by FIRST or LAST")
                }
            }
            terms.append(Term(column: name, descending: descending, nullsFirst: nullsFirst))
        } while words.comma()
        guard words.atEnd else {
            throw WhereError("order_by supports only column names with ASC/DESC and NULLS FIRST/LAST (unexpected text at character \(words.position + 1))")
        }
        return OrderByClause(terms: terms)
    }

    /// `"a" DESC NULLS FIRST, "b" ASC NULLS LAST`, then `tiebreak` columns not
    /// already listed (the primary key, so LIMIT/OFFSET pages are stable).
    /// NULLS is always spelled out: SQLite's default differs from Postgres'.
    public func sql(tiebreak: [String]) -> String {
        let listed = Set(terms.map(\.column))
        let all = terms + tiebreak.filter { !listed.contains($0) }.map { Term(column: $0, descending: false, nullsFirst: false) }
        return all.map { term in
            WhereText.identifier(term.column) + (term.descending ? " DESC" : " ASC") + (term.nullsFirst ? " NULLS FIRST" : " NULLS LAST")
        }.joined(separator: ", ")
    }
}

/// The words of an `order_by`: identifiers (unquoted ones fold to lower case,
/// `"quoted"` keep theirs), commas, nothing else.
private struct OrderByWords {
    private let scalars: [Unicode.Scalar]
    private(set) var position = 0

    init(_ text: String) throws(WhereError) {
        scalars = Array(text.unicodeScalars)
        skipSpace()
    }

    var atEnd: Bool { position == scalars.count }

    private mutating func skipSpace() {
        while position < scalars.count, scalars[position].properties.isWhitespace { position += 1 }
    }

    private static func isWordStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic
    }

    private static func isWordPart(_ scalar: Unicode.Scalar) -> Bool {
        isWordStart(scalar) || ("0"..."9").contains(scalar) || scalar == "$"
    }

    /// The next word, without consuming it, lower-cased (nil if not a bare word).
    private func peekWord() -> (String, Int)? {
        guard position < scalars.count, Self.isWordStart(scalars[position]) else { return nil }
        var end = position
        while end < scalars.count, Self.isWordPart(scalars[end]) { end += 1 }
        var word = String.UnicodeScalarView()
        word.append(contentsOf: scalars[position..<end])
        return (String(word).lowercased(), end)
    }

    mutating func keyword(_ word: String) -> Bool {
        guard let (found, end) = peekWord(), found == word else { return false }
        position = end
        skipSpace()
        return true
    }

    mutating func comma() -> Bool {
        guard position < scalars.count, scalars[position] == "," else { return false }
        position += 1
        skipSpace()
        return true
    }

    mutating func identifier() throws(WhereError) -> String? {
        guard position < scalars.count else { return nil }
        if scalars[position] == "\"" {
            var name = String.UnicodeScalarView()
            var index = position + 1
            while true {
                guard index < scalars.count else { throw WhereError("order_by: unterminated quoted name") }
                if scalars[index] == "\"" {
                    if index + 1 < scalars.count, scalars[index + 1] == "\"" {
                        name.append("\"")
                        index += 2
                        continue
                    }
                    break
                }
                name.append(scalars[index])
                index += 1
            }
            guard !name.isEmpty else { throw WhereError("order_by: empty quoted name") }
            position = index + 1
            skipSpace()
            return String(name)
        }
        guard let (word, end) = peekWord(), !["asc", "desc", "nulls"].contains(word) else { return nil }
        position = end
        skipSpace()
        return word
    }
}
