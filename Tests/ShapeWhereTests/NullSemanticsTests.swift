import Testing
@testable import ShapeWhere

/// SQL three-valued logic: a row matches only when the clause is TRUE.
@Suite("NULL semantics")
struct NullSemanticsTests {
    typealias F = Fixtures
    static let nullTitle: [String: String?] = ["title": nil, "n": "5"]

    @Test(arguments: [
        "title = 'a'", "title <> 'a'", "NOT (title = 'a')", "title = NULL", "NOT (title = NULL)",
        "title <> NULL", "title IN ('a', 'b')", "title NOT IN ('a', 'b')", "title LIKE '%'",
        "title NOT LIKE 'zzz'", "title ILIKE '%'", "n = NULL", "NOT (n = NULL)", "title = NULL OR NULL",
        "NOT (title = 'a' AND n = 5)", "(title = 'a') = FALSE", "(title = 'a') <> TRUE", "NOT NULL",
    ])
    func unknownNeverMatches(clause: String) throws {
        #expect(try !F.matches(clause, Self.nullTitle))
    }

    @Test func unknownInsideOrAndAnd() throws {
        #expect(try F.matches("title = 'a' OR n = 5", Self.nullTitle), "unknown OR TRUE is TRUE")
        #expect(try !F.matches("title = 'a' AND n = 5", Self.nullTitle), "unknown AND TRUE is unknown")
        #expect(try F.matches("NOT (title = 'a' AND n = 4)", Self.nullTitle), "unknown AND FALSE is FALSE")
        #expect(try F.matches("(title = 'a') IS NULL", Self.nullTitle))
    }

    @Test func inListWithNull() throws {
        #expect(try !F.matches("title IN ('a', NULL)", ["title": "b"]), "unknown, not FALSE")
        #expect(try !F.matches("title NOT IN ('a', NULL)", ["title": "b"]), "NOT unknown is unknown")
        #expect(try F.matches("title IN ('b', NULL)", ["title": "b"]))
        #expect(try !F.matches("title NOT IN ('b', NULL)", ["title": "b"]))
        #expect(try F.matches("title NOT IN ('a')", ["title": "b"]))
    }

    @Test func nullLikePattern() throws {
        #expect(try !F.matches("title LIKE NULL", ["title": "a"]))
        #expect(try !F.matches("title NOT LIKE NULL", ["title": "a"]))
        #expect(try !F.matches("title LIKE subtitle", ["title": "a"]))
    }

    @Test func unreadableRowValuesAreUnknown() throws {
        #expect(try !F.matches("n = 5", ["n": "five"]))
        #expect(try !F.matches("NOT (n = 5)", ["n": "five"]))
        #expect(try !F.matches("done", ["done": "maybe"]))
        #expect(try !F.matches("NOT done", ["done": "maybe"]))
    }
}
