import Testing
@testable import ShapeWhere

@Suite("LIKE and ILIKE")
struct LikeTests {
    typealias F = Fixtures

    @Test(arguments: [
        ("abc", "abc", true), ("abc", "ab", false), ("abc", "a%", true), ("abc", "%c", true),
        ("abc", "%b%", true), ("abc", "%", true), ("", "%", true), ("", "_", false),
        ("abc", "a_c", true), ("abc", "a__", true), ("abc", "____", false), ("abc", "_%_", true),
        ("abc", "A%", false), ("a%c", "a\\%c", true), ("abc", "a\\%c", false), ("a_c", "a\\_c", true),
        ("abc", "a\\_c", false), ("a\\c", "a\\\\c", true), ("abc", "\\abc", true), ("aaa", "%a%a%a%", true),
        ("aa", "%a%a%a%", false), ("mississippi", "%iss%ppi", true), ("mississippi", "m%ss%sip_i", true),
        ("日本語", "日_語", true), ("日本語", "___", true), ("e\u{301}", "_", false), ("e\u{301}", "__", true),
        ("%", "%%%", true),
    ])
    func like(text: String, pattern: String, expected: Bool) throws {
        #expect(try F.matches("title LIKE $1", ["title": text], [pattern]) == expected)
        #expect(try F.matches("title NOT LIKE $1", ["title": text], [pattern]) == !expected)
    }

    @Test(arguments: [
        ("ABC", "abc", true), ("abc", "A%", true), ("Straße", "STRASSE", false), ("ÉCOLE", "é%", true),
        ("İstanbul", "i%", true), ("ΣΊΣΥΦΟΣ", "σ%", true), ("abc", "a_C", true), ("abc", "x%", false),
    ])
    func ilike(text: String, pattern: String, expected: Bool) throws {
        #expect(try F.matches("title ILIKE $1", ["title": text], [pattern]) == expected)
        #expect(try F.matches("title NOT ILIKE $1", ["title": text], [pattern]) == !expected)
    }

    @Test func patternFromLiteralAndColumn() throws {
        #expect(try F.matches("title LIKE 'it''s%'", ["title": "it's here"]))
        #expect(try F.matches("title LIKE subtitle", ["title": "hello", "subtitle": "h%o"]))
        #expect(try !F.matches("title LIKE subtitle", ["title": "hello", "subtitle": "x\\"]), "a bad pattern in a row is unknown")
        #expect(try F.matches("body LIKE 'v%'", ["body": "varchar value"]))
    }

    @Test func pathologicalPatternsStayFast() throws {
        let clause = try F.clause("title LIKE $1", [String(repeating: "%a", count: 2000) + "b"])
        let text = String(repeating: "a", count: 5000)
        let start = ContinuousClock.now
        #expect(!clause.matches(["title": text]))
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func patternsEndingInEscapeAreRefused() {
        #expect(F.error("title LIKE 'abc\\'").contains("escape character"))
        #expect(F.error("title LIKE $1", ["abc\\"]).contains("escape character"))
    }

    @Test func likeNeedsTextAndStrings() {
        #expect(F.error("n LIKE '1%'").contains("LIKE needs a text column"))
        #expect(F.error("id LIKE 'a%'").contains("LIKE needs a text column"))
        #expect(F.error("title LIKE 5").contains("pattern must be a string"))
        #expect(F.error("'abc' LIKE title").contains("left side of LIKE must be a column"))
        #expect(F.error("title LIKE 'a' ESCAPE '#'").contains("ESCAPE is not supported"))
    }
}
