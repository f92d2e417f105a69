import Testing
@testable import ShapeWhere

/// Everything outside the subset is refused with a message naming the construct.
@Suite("Unsupported constructs are named")
struct UnsupportedConstructTests {
    typealias F = Fixtures

    @Test(arguments: [
        ("lower(title) = 'a'", "function calls are not supported: lower(...)"),
        ("created_at > now()", "function calls are not supported: now(...)"),
        ("\"Lower\"(title) = 'a'", "function calls are not supported: Lower(...)"),
        ("created_at > CURRENT_TIMESTAMP", "function calls are not supported: CURRENT_TIMESTAMP"),
        ("user = 'x'", "function calls are not supported: USER"),
        ("title::text = 'a'", "casts (::) are not supported"),
        ("n = '1'::int4", "casts (::) are not supported"),
        ("CAST(title AS text) = 'a'", "casts (CAST) are not supported"),
        ("n + 1 = 2", "arithmetic is not supported: operator +"),
        ("n = 1 - 2", "arithmetic is not supported: operator -"),
        ("n * 2 = 4", "arithmetic is not supported: operator *"),
        ("n / 2 = 1", "arithmetic is not supported: operator /"),
        ("n % 2 = 0", "arithmetic is not supported: operator %"),
        ("n ^ 2 = 4", "arithmetic is not supported: operator ^"),
        ("-n = 1", "arithmetic is not supported: unary -"),
        ("title || 'x' = 'ax'", "operator || is not supported"),
        ("title ~ 'a'", "operator ~ is not supported"),
        ("title ~~ 'a'", "operator ~~ is not supported"),
        ("tags @> '{a}'", "operator @> is not supported"),
        ("data->>'x' = 'a'", "operator ->> is not supported"),
        ("n IN (SELECT 1)", "subqueries are not supported"),
        ("(SELECT true)", "subqueries are not supported"),
        ("EXISTS (SELECT 1)", "EXISTS (subqueries) is not supported"),
        ("n BETWEEN 1 AND 5", "BETWEEN is not supported"),
        ("n NOT BETWEEN 1 AND 5", "NOT BETWEEN is not supported"),
        ("n = ANY($1)", "ANY/ALL are not supported"),
        ("n = ALL (ARRAY[1])", "ANY/ALL are not supported"),
        ("ARRAY[1] = ARRAY[1]", "ARRAY constructors are not supported"),
        ("tags[1] = 'a'", "array subscripts are not supported"),
        ("(n, m) = (1, 2)", "row constructors are not supported"),
        ("ROW(n, m) = ROW(1, 2)", "row constructors are not supported"),
        ("title = 'a'; DROP TABLE items", "multiple statements (;) are not supported"),
        ("title = 'a';", "multiple statements (;) are not supported"),
        ("title = 'a' -- note", "comments are not supported"),
        ("/* note */ title = 'a'", "comments are not supported"),
        ("title = 'a' AND/* x */done", "comments are not supported"),
        ("title = E'a\\'b'", "escape string literals (E'...') are not supported"),
        ("title = $$a$$", "dollar-quoted strings are not supported"),
        ("title = $tag$a$tag$", "dollar-quoted strings are not supported"),
        ("title = B'101'", "bit-string literals are not supported"),
        ("title = X'1F'", "bit-string literals are not supported"),
        ("title = N'a'", "national character literals (N'...') are not supported"),
        ("title = U&'d\\0061t'", "Unicode escape literals (U&...) are not supported"),
        ("created_at > date '2024-01-01'", "typed literals are not supported: date '...'"),
        ("title IS DISTINCT FROM 'a'", "IS DISTINCT FROM is not supported"),
        ("done IS TRUE", "IS TRUE is not supported"),
        ("done IS NOT FALSE", "IS NOT FALSE is not supported"),
        ("done IS UNKNOWN", "IS UNKNOWN is not supported"),
        ("title ISNULL", "ISNULL is not supported"),
        ("title NOTNULL", "NOTNULL is not supported"),
        ("title SIMILAR TO 'a'", "SIMILAR TO is not supported"),
        ("title LIKE 'a' ESCAPE '#'", "ESCAPE is not supported"),
        ("items.title = 'a'", "qualified column names are not supported"),
        ("CASE WHEN done THEN TRUE END", "CASE expressions are not supported"),
        ("title COLLATE \"C\" = 'a'", "COLLATE is not supported"),
        ("created_at AT TIME ZONE 'UTC' > '2024'", "AT TIME ZONE is not supported"),
        ("n = 0x1F", "trailing junk after number"),
        ("n = 1_000", "trailing junk after number"),
        ("n = 12abc", "trailing junk after number"),
        ("title = $1abc", "trailing junk after parameter"),
    ])
    func refusedWithItsName(clause: String, message: String) {
        let error = F.error(clause, ["1"])
        #expect(error.contains(message), "got: \(error)")
    }

    @Test(arguments: [
        ("title = 'a' ORDER BY n", "syntax error at character 13: expected AND, OR or the end of the clause, found ORDER"),
        ("title = 'a' LIMIT 1", "found LIMIT"),
        ("title = 'a' AND", "syntax error at character 16: expected a column, a value or '(', found the end of the clause"),
        ("title = ", "found the end of the clause"),
        ("= 'a'", "found '='"),
        ("(title = 'a'", "expected ')'"),
        ("title = 'a')", "found ')'"),
        ("n = 1 = 2", "a comparison cannot follow another without parentheses"),
        ("title IS NULL IS NULL", "a second IS needs parentheses"),
        ("n IN ()", "IN needs at least one value"),
        ("n IN 1", "expected '(' after IN"),
        ("title = 'a' 'b'", "found 'b'"),
        ("title = AND", "found AND"),
        ("x = NOT done", "found NOT"),
        ("\"\" = 'a'", "zero-length quoted identifier"),
        ("title = `a`", "operator ` is not supported"),
        ("title = {a}", "unexpected character '{'"),
        ("title = 'a' \\", "unexpected character '\\'"),
    ])
    func syntaxErrorsSayWhere(clause: String, message: String) {
        let error = F.error(clause)
        #expect(error.contains(message), "got: \(error)")
    }

    @Test func listsHoldOnlyValues() {
        #expect(F.error("title IN (subtitle)").contains("IN (...) lists may only hold values"))
        #expect(F.error("title IN ((n = 1))").contains("IN (...) lists may only hold values"))
        #expect(F.error("'a' IN (title)").contains("left side of IN must be a column"))
    }
}
