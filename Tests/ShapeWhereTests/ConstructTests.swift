import Testing
@testable import ShapeWhere

@Suite("Each supported construct parses and evaluates")
struct ConstructTests {
    typealias F = Fixtures

    @Test func equalityOnText() throws {
        #expect(try F.matches("conversation_id = 'c-1'", ["conversation_id": "c-1"]))
        #expect(try !F.matches("conversation_id = 'c-1'", ["conversation_id": "c-2"]))
        #expect(try F.matches("conversation_id = $1", ["conversation_id": "c-1"], ["c-1"]))
        #expect(try F.matches("'c-1' = conversation_id", ["conversation_id": "c-1"]))
    }

    @Test(arguments: [
        ("n = 5", true), ("n <> 5", false), ("n != 5", false), ("n < 6", true), ("n <= 5", true),
        ("n > 4", true), ("n >= 6", false), ("5 = n", true), ("6 > n", true), ("n > -1", true),
        ("n = +5", true), ("n=5", true), ("n>=-5", true),
    ])
    func comparisonOperators(clause: String, expected: Bool) throws {
        #expect(try F.matches(clause, ["n": "5"]) == expected)
    }

    @Test func numbersCompareNumericallyNotAsText() throws {
        #expect(try F.matches("n > 9", ["n": "10"]))
        #expect(try F.matches("big > 9", ["big": "9223372036854775807"]))
        #expect(try F.matches("price > 9.5", ["price": "10.00"]))
        #expect(try F.matches("price = 1.5", ["price": "1.50"]))
        #expect(try F.matches("price = 123456789012345678901234567890123456789.5", ["price": "123456789012345678901234567890123456789.50"]))
        #expect(try !F.matches("price = 123456789012345678901234567890123456789.5", ["price": "123456789012345678901234567890123456789.6"]))
        #expect(try F.matches("score < 1e3", ["score": "999.5"]))
        #expect(try F.matches("score > 0.1", ["score": "1e+16"]))
        #expect(try F.matches("n > 1.5", ["n": "2"]))
        #expect(try !F.matches("n = 1.5", ["n": "1"]))
        #expect(try F.matches("n IN (1.5, 2)", ["n": "2"]))
        #expect(try F.matches("ratio = 0.1", ["ratio": "0.1"]))
    }

    @Test func nanAndInfinityOrderAsPostgres() throws {
        #expect(try F.matches("score > 1e300", ["score": "Infinity"]))
        #expect(try F.matches("score > $1", ["score": "NaN"], ["Infinity"]))
        #expect(try F.matches("score = 'NaN'", ["score": "NaN"]))
        #expect(try F.matches("price > 'Infinity'", ["price": "NaN"]))
        #expect(try F.matches("price < 0", ["price": "-Infinity"]))
    }

    @Test func columnsCompareWithColumns() throws {
        #expect(try F.matches("n < m", ["n": "2", "m": "10"]))
        #expect(try F.matches("n = score", ["n": "2", "score": "2.0"]))
        #expect(try F.matches("title = body", ["title": "a", "body": "a"]))
        #expect(try F.matches("title < subtitle", ["title": "B", "subtitle": "a"]))
        #expect(try F.matches("done = archived", ["done": "t", "archived": "true"]))
    }

    @Test func logic() throws {
        let row: [String: String?] = ["n": "5", "title": "x"]
        #expect(try F.matches("n = 5 AND title = 'x'", row))
        #expect(try !F.matches("n = 5 AND title = 'y'", row))
        #expect(try F.matches("n = 4 OR title = 'x'", row))
        #expect(try F.matches("NOT n = 4", row))
        #expect(try F.matches("not (n = 4 or title = 'y')", row))
        #expect(try F.matches("n = 4 AND title = 'y' OR n = 5", row), "AND binds tighter than OR")
        #expect(try !F.matches("n = 4 AND (title = 'y' OR n = 5)", row))
        #expect(try F.matches("NOT NOT n = 5", row))
    }

    @Test func inLists() throws {
        #expect(try F.matches("title IN ('a', 'b')", ["title": "b"]))
        #expect(try !F.matches("title IN ('a', 'b')", ["title": "c"]))
        #expect(try F.matches("title NOT IN ('a', 'b')", ["title": "c"]))
        #expect(try F.matches("n IN (1, $1, '3')", ["n": "2"], ["2"]))
        #expect(try F.matches("id IN ($1)", ["id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"], ["A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"]))
    }

    @Test func nullTests() throws {
        #expect(try F.matches("title IS NULL", ["title": nil]))
        #expect(try F.matches("title IS NULL", [:]), "a missing key is NULL")
        #expect(try !F.matches("title IS NULL", ["title": ""]))
        #expect(try F.matches("title IS NOT NULL", ["title": ""]))
        #expect(try F.matches("(n = 1) IS NULL", [:]))
        #expect(try F.matches("$1 IS NOT NULL", [:], ["x"]))
    }

    @Test func booleanColumns() throws {
        #expect(try F.matches("done", ["done": "t"]))
        #expect(try F.matches("done", ["done": "true"]))
        #expect(try !F.matches("done", ["done": "f"]))
        #expect(try !F.matches("done", [:]))
        #expect(try F.matches("NOT done", ["done": "false"]))
        #expect(try F.matches("done = TRUE", ["done": "t"]))
        #expect(try F.matches("done = $1", ["done": "t"], ["yes"]))
        #expect(try F.matches("done <> 'off'", ["done": "t"]))
        #expect(try F.matches("done AND NOT archived", ["done": "t", "archived": "f"]))
        #expect(try F.matches("(n = 5) = TRUE", ["n": "5"]))
        #expect(try F.matches("(n = 5) = done", ["n": "5", "done": "t"]))
        #expect(try F.matches("TRUE", [:]))
        #expect(try !F.matches("FALSE", [:]))
        #expect(try !F.matches("NULL", [:]))
        #expect(try F.matches("$1", [:], ["on"]))
    }

    @Test func identifiers() throws {
        #expect(try F.matches("TITLE = 'a'", ["title": "a"]), "unquoted names fold to lower case")
        #expect(try F.matches("\"Title\" = 'a'", ["Title": "a", "title": "b"]), "quoted names keep case")
        #expect(try F.matches("\"we\"\"ird\" = 'a'", ["we\"ird": "a"]))
    }

    @Test func keywordsAreCaseInsensitive() throws {
        #expect(try F.matches("title is not null and n in (5) Or done", ["title": "a", "n": "5"]))
        #expect(try F.matches("title Like 'a%' AND title NoT iLiKe 'B%'", ["title": "abc"]))
    }

    @Test func stringsAndWhitespace() throws {
        #expect(try F.matches("title = 'it''s'", ["title": "it's"]))
        #expect(try F.matches("title = ''", ["title": ""]))
        #expect(try F.matches("title = 'back\\slash'", ["title": "back\\slash"]), "backslash is ordinary in standard strings")
        #expect(try F.matches("\ttitle\n=\r\n'a'  ", ["title": "a"]))
        #expect(try F.matches("title = 'line\nbreak'", ["title": "line\nbreak"]))
    }

    @Test func textComparesByBytesNotCanonicalEquivalence() throws {
        // "é" precomposed and decomposed are equal to Swift's String ==, but not to Postgres.
        #expect(try !F.matches("title = $1", ["title": "e\u{301}"], ["\u{E9}"]))
        #expect(try F.matches("title < 'a'", ["title": "Z"]), "C collation: upper case sorts first")
        #expect(try F.matches("title > 'z'", ["title": "\u{E9}"]))
    }

    @Test func blankPaddedCharIgnoresTrailingBlanksExceptInLike() throws {
        let columns = ["code": "bpchar", "t": "text"]
        func matches(_ text: String, _ row: [String: String?]) throws -> Bool {
            try WhereClause.parse(text, columns: columns, params: []).matches(row)
        }
        #expect(try matches("code = 'ab'", ["code": "ab  "]))
        #expect(try matches("code = 'ab '", ["code": "ab  "]))
        #expect(try matches("code = t", ["code": "ab  ", "t": "ab"]))
        #expect(try !matches("code = t", ["code": "ab  ", "t": "ab "]), "the text side keeps its blanks")
        #expect(try matches("code LIKE 'ab__'", ["code": "ab  "]))
        #expect(try WhereClause.parse("code = 'ab'", columns: columns, params: []).equalityTerms.isEmpty)
    }

    @Test func otherTypesCompareAsText() throws {
        #expect(try F.matches("created_at >= '2024-01-01'", ["created_at": "2024-05-01 10:00:00+00"]))
        #expect(try F.matches("mood = 'happy'", ["mood": "happy"]))
    }
}
