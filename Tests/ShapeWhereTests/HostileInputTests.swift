import Testing
@testable import ShapeWhere

/// No input crashes, hangs or overflows the stack; each fails with a clean message.
@Suite("Hostile and garbage input")
struct HostileInputTests {
    typealias F = Fixtures

    /// A small deterministic generator, so failures reproduce.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func emptyClauses() {
        #expect(F.error("") == "the where clause is empty")
        #expect(F.error(" \n\t ") == "the where clause is empty")
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let open = String(repeating: "(", count: 10_000)
        #expect(F.error(open).contains("nests too deeply"))
        #expect(F.error(open + "done" + String(repeating: ")", count: 10_000)).contains("too long"))
        let fitting = String(repeating: "(", count: 5000) + "done" + String(repeating: ")", count: 5000)
        #expect(F.error(fitting).contains("nests too deeply"))
        #expect(F.error(String(repeating: "NOT ", count: 3000) + "done").contains("nests too deeply"))
        #expect(F.error(String(repeating: "n IN (", count: 3000)).contains("nests too deeply") == false)
    }

    @Test func nestingUpToTheLimitWorks() throws {
        let depth = WhereClause.maximumDepth
        let nested = String(repeating: "(", count: depth) + "done" + String(repeating: ")", count: depth)
        #expect(try F.matches(nested, ["done": "t"]))
        let deeper = "(" + nested + ")"
        #expect(F.error(deeper).contains("nests too deeply"))
        // A deep tree the limit allows: a parenthesis and a NOT per level, each level a
        // comparison of conditions.
        var chain = "done"
        for _ in 0..<(depth / 2) { chain = "done = (NOT " + chain + ")" }
        let clause = try F.clause(chain)
        _ = clause.matches(["done": "t"])
        _ = clause.sqlFilter(dialect: .postgres)
        #expect(try F.clause(clause.normalized) == clause)
    }

    @Test func unterminatedLiterals() {
        #expect(F.error("title = 'abc").contains("unterminated string literal starting at character 9"))
        #expect(F.error("title = 'it''s").contains("unterminated string literal"))
        #expect(F.error("'").contains("unterminated string literal"))
        #expect(F.error("\"title = 'a'").contains("unterminated quoted identifier"))
        #expect(F.error("title = '\u{0}'").contains("NUL character"))
        #expect(F.error("title = 'a'\u{0}").contains("NUL character"))
    }

    @Test func longInput() throws {
        let big = String(repeating: "x", count: 5000)
        #expect(try F.matches("title = '\(big)'", ["title": big]))
        #expect(try F.matches("title = $1", ["title": big], [big]))
        let huge = String(repeating: "y", count: WhereClause.maximumLength)
        #expect(F.error("title = '\(huge)'").contains("too long"))
        let error = F.error("n = $1", [String(repeating: "9", count: 100_000)])
        #expect(error.count < 300, "messages quote values briefly")
        let manyTerms = Array(repeating: "n = 1", count: 1500).joined(separator: " OR ")
        #expect(try F.clause(manyTerms).matches(["n": "1"]))
    }

    @Test func randomBytesFailCleanly() {
        var random = SplitMix(state: 42)
        for _ in 0..<3000 {
            let length = Int.random(in: 0..<80, using: &random)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let text = String(decoding: bytes, as: UTF8.self)
            if let clause = try? F.clause(text, ["1", "a"]) {
                _ = clause.matches([:])
            }
        }
    }

    @Test func randomTokenSoupNeverCrashes() {
        let vocabulary = [
            "title", "n", "done", "price", "score", "id", "\"Title\"", "nope", "'a'", "'5'", "5", "-1.5", "1e3", "$1", "$2",
            "TRUE", "FALSE", "NULL", "=", "<>", "!=", "<", ">=", "AND", "OR", "NOT", "IN", "(", ")", ",", "IS", "LIKE",
            "ILIKE", "'%a_'", "||", "::", "+", ";", "BETWEEN", "lower(", "'", "\"", "--", "E'x'", "[", ".", "$$",
        ]
        var random = SplitMix(state: 7)
        var accepted = 0
        for _ in 0..<5000 {
            let count = Int.random(in: 1...14, using: &random)
            let text = (0..<count).map { _ in vocabulary.randomElement(using: &random) ?? "" }.joined(separator: " ")
            do {
                let clause = try F.clause(text, ["3", "b"])
                accepted += 1
                _ = clause.matches(["title": "a", "n": "5", "done": "t"])
                _ = clause.equalityTerms
                for dialect in [SQLDialect.sqlite, .postgres] {
                    if let filter = clause.sqlFilter(dialect: dialect) {
                        #expect(!filter.sql.contains("'b'") && !filter.sql.contains("'5'"))
                    }
                }
                #expect((try? F.clause(clause.normalized))?.normalized == clause.normalized, "\(text)")
            } catch let error as WhereError {
                #expect(!error.message.isEmpty)
            } catch {
                Issue.record("unexpected error type: \(error)")
            }
        }
        #expect(accepted > 0)
    }
}
