import Testing
@testable import ShapeWhere

/// Literals and `$n` take the type of what they are compared with.
@Suite("Typing by use")
struct TypingTests {
    typealias F = Fixtures

    @Test func parametersTakeTheColumnType() throws {
        #expect(try F.clause("n = $1", ["42"]).normalized == "\"n\" = 42")
        #expect(try F.clause("n = $1", [" -7 "]).normalized == "\"n\" = -7")
        #expect(try F.clause("title = $1", ["42"]).normalized == "\"title\" = '42'")
        #expect(try F.clause("price = $1", ["1.50"]).normalized == "\"price\" = 1.5")
        #expect(try F.clause("score = $1", ["1e3"]).normalized == "\"score\" = 1000.0")
        #expect(try F.clause("ratio = $1", ["0.1"]).normalized == "\"ratio\" = '0.1'")
        #expect(try F.clause("done = $1", ["Yes"]).normalized == "\"done\" = TRUE")
        #expect(try F.clause("id = $1", ["{A0EEBC999C0B4EF8BB6D6BB9BD380A11}"]).normalized
            == "\"id\" = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'")
        #expect(try F.clause("created_at > $1", ["2024-01-01"]).normalized == "\"created_at\" > '2024-01-01'")
    }

    @Test(arguments: ["true", "t", "yes", "on", "1", "TRUE", "On", "false", "f", "no", "off", "0", "NO"])
    func booleanWords(word: String) throws {
        let expected = ["true", "t", "yes", "on", "1"].contains(word.lowercased())
        #expect(try F.matches("done = $1", ["done": "t"], [word]) == expected)
        #expect(try F.matches("done = $1", ["done": "true"], [word]) == expected)
    }

    @Test(arguments: [
        ("n = $1", "abc", "is not a valid int4"),
        ("n = $1", "1.5", "is not a valid int4"),
        ("n = $1", "2147483648", "is not a valid int4"),
        ("small = $1", "40000", "is not a valid int2"),
        ("big = $1", "9223372036854775808", "is not a valid int8"),
        ("price = $1", "1,5", "is not a valid numeric"),
        ("score = $1", "0x10", "is not a valid float8"),
        ("score = $1", "1e400", "is not a valid float8"),
        ("done = $1", "maybe", "is not a valid bool"),
        ("id = $1", "not-a-uuid", "is not a valid uuid"),
        ("id = $1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "is not a valid uuid"),
        ("title = $1", "nul\u{0}byte", "is not a valid text"),
        ("n IN (1, $1)", "x", "is not a valid int4"),
        ("$1", "perhaps", "is not a valid bool"),
    ])
    func invalidParametersAreRefused(clause: String, param: String, message: String) {
        let error = F.error(clause, [param])
        #expect(error.contains(message), "\(error)")
        #expect(error.contains("$1"))
    }

    @Test func invalidLiteralsAreRefused() {
        #expect(F.error("n = 'abc'").contains("'abc' is not a valid int4"))
        #expect(F.error("title = 5").contains("number 5 cannot be compared with column \"title\""))
        #expect(F.error("done = 1").contains("cannot be compared"))
        #expect(F.error("n = TRUE").contains("TRUE cannot be compared with column \"n\""))
        #expect(F.error("id = 'x'").contains("not a valid uuid"))
        #expect(F.error("price = 1e2000").contains("out of range"))
    }

    @Test func parameterNumbering() {
        #expect(F.error("title = $2", ["a"]) == "parameter $2 has no value (1 given)")
        #expect(F.error("title = $1").contains("has no value (0 given)"))
        #expect(F.error("title = $0", ["a"]).contains("numbered from $1"))
        #expect(F.error("title = $99999999999999999999", ["a"]).contains("out of range"))
        #expect(F.error("title = $1", ["a", "unused"]) == "", "extra parameters are allowed")
    }

    @Test func incompatibleColumnsAreRefused() {
        #expect(F.error("n = title").contains("cannot compare column \"n\" of type int4 with column \"title\" of type text"))
        #expect(F.error("id = title").contains("cannot compare"))
        #expect(F.error("created_at = mood").contains("cannot compare"))
        #expect(F.error("done = n").contains("cannot compare"))
        #expect(F.error("(n = 1) = title").contains("cannot compare a condition"))
    }

    @Test func twoConstantsAreRefused() {
        #expect(F.error("1 = 1").contains("comparing two values is not supported"))
        #expect(F.error("$1 = 'a'", ["a"]).contains("comparing two values"))
        #expect(F.error("NULL = NULL").contains("comparing two values"))
    }

    @Test func theClauseMustBeACondition() {
        #expect(F.error("title").contains("column \"title\" is text, not boolean"))
        #expect(F.error("n").contains("is int4, not boolean"))
        #expect(F.error("'true'").contains("is not a condition"))
        #expect(F.error("42").contains("is not a condition"))
        #expect(F.error("done AND title").contains("not boolean"))
        #expect(F.error("NOT title").contains("not boolean"))
    }

    @Test func unknownColumns() {
        #expect(F.error("nope = 1") == "unknown column \"nope\"")
        #expect(F.error("\"TITLE\" = 'a'").contains("unknown column \"TITLE\"; did you mean"))
    }

    @Test func typeNameSpellings() throws {
        let clause = try WhereClause.parse(
            "a = 1 AND b = 2.5 AND c AND d = 'x'",
            columns: ["a": "integer", "b": "double precision", "c": "boolean", "d": "character varying(20)"],
            params: []
        )
        #expect(clause.matches(["a": "1", "b": "2.50", "c": "t", "d": "x"]))
        #expect(clause.sqlFilter(dialect: .postgres)?.sql == "\"a\" = $1::\"int8\" AND \"b\" = $2::\"float8\" AND \"c\" AND \"d\" = $3::\"text\"")
    }
}
