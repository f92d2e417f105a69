import Testing
@testable import ShapeWhere

@Suite("Normalised text")
struct NormalizationTests {
    typealias F = Fixtures

    @Test func exampleFromTheSpec() throws {
        #expect(try F.clause("conversation_id = $1", ["c-1"]).normalized == "\"conversation_id\" = 'c-1'")
    }

    @Test(arguments: [
        ("title = 'a'", "\"title\" = 'a'"),
        ("title != 'a'", "\"title\" <> 'a'"),
        ("title = 'it''s'", "\"title\" = 'it''s'"),
        ("n = 007", "\"n\" = 7"),
        ("n = -0", "\"n\" = 0"),
        ("n > 1.50", "\"n\" > 1.5"),
        ("price = 1e3", "\"price\" = 1000"),
        ("price = -.5e-2", "\"price\" = -0.005"),
        ("price = 'nan'", "\"price\" = 'NaN'"),
        ("score = '-inf'", "\"score\" = '-Infinity'"),
        ("done", "\"done\""),
        ("done = 'on'", "\"done\" = TRUE"),
        ("not done", "NOT \"done\""),
        ("title is null", "\"title\" IS NULL"),
        ("title is not null", "\"title\" IS NOT NULL"),
        ("title in ('a','b', null)", "\"title\" IN ('a', 'b', NULL)"),
        ("title not in ('a')", "\"title\" NOT IN ('a')"),
        ("title like 'a%'", "\"title\" LIKE 'a%'"),
        ("title not ilike 'a%'", "\"title\" NOT ILIKE 'a%'"),
        ("(((title = 'a')))", "\"title\" = 'a'"),
        ("n = 1 and (m = 2 and done)", "\"n\" = 1 AND \"m\" = 2 AND \"done\""),
        ("(n = 1 or m = 2) or done", "\"n\" = 1 OR \"m\" = 2 OR \"done\""),
        ("n = 1 or m = 2 and done", "\"n\" = 1 OR \"m\" = 2 AND \"done\""),
        ("(n = 1 or m = 2) and done", "(\"n\" = 1 OR \"m\" = 2) AND \"done\""),
        ("not (n = 1 and done)", "NOT (\"n\" = 1 AND \"done\")"),
        ("not n = 1", "NOT \"n\" = 1"),
        ("(not done) = archived", "(NOT \"done\") = \"archived\""),
        ("(n = 1) = (m = 2)", "(\"n\" = 1) = (\"m\" = 2)"),
        ("(n = 1) is null", "\"n\" = 1 IS NULL"),
        ("(done is null) is null", "(\"done\" IS NULL) IS NULL"),
        ("(title like 'a') = true", "\"title\" LIKE 'a' = TRUE"),
        ("\"we\"\"ird\" = 'x'", "\"we\"\"ird\" = 'x'"),
        ("\"Title\" = 'x'", "\"Title\" = 'x'"),
    ])
    func canonicalText(clause: String, expected: String) throws {
        #expect(try F.clause(clause).normalized == expected)
    }

    @Test func equivalentSpellingsNormaliseAlike() throws {
        let spellings: [(String, [String])] = [
            ("conversation_id = 'c-1' AND n > 5 AND done = TRUE", []),
            ("  CONVERSATION_ID='c-1'  and N>5 AND done=true ", []),
            ("conversation_id = $1 AND n > $2 AND done = $3", ["c-1", "5", "t"]),
            ("\"conversation_id\" = $2 AND (n > '5') AND done = 'yes'", ["unused", "c-1"]),
            ("((conversation_id = 'c-1') AND (n > +5)) AND (done = $1)", ["TRUE"]),
        ]
        let texts = try spellings.map { try F.clause($0.0, $0.1).normalized }
        #expect(Set(texts).count == 1, "\(texts)")
        let clauses = try spellings.map { try F.clause($0.0, $0.1) }
        #expect(Set(clauses).count == 1, "equal clauses are equal and hash alike")
    }

    @Test func differentValuesNormaliseDifferently() throws {
        #expect(try F.clause("title = $1", ["a"]) != F.clause("title = $1", ["b"]))
        #expect(try F.clause("title = $1", ["a"]).normalized != F.clause("title = $1", ["a'"]).normalized)
    }

    @Test func sameTextOnDifferentColumnTypesIsADifferentClause() throws {
        let asInt = try WhereClause.parse("x = 1", columns: ["x": "int4"], params: [])
        let asNumeric = try WhereClause.parse("x = 1", columns: ["x": "numeric"], params: [])
        #expect(asInt.normalized == asNumeric.normalized)
        #expect(asInt != asNumeric)
    }

    @Test(arguments: [
        ("title = $1", ["O'Brien"]), ("title = $1", ["'; DROP TABLE x; --"]), ("title = $1", ["'\u{301}"]),
        ("title = $1", ["line\nbreak \\ back"]), ("n IN ($1, 2, NULL)", ["-3"]), ("price < $1", ["NaN"]),
        ("score >= $1", ["-Infinity"]), ("ratio = $1", ["3.4e38"]), ("score = $1", ["-0.0"]),
        ("NOT (done OR n = 1) AND (title LIKE $1 OR \"Title\" IS NULL)", ["a\\%"]),
        ("(n = 1) = (m = 2) OR (NOT done) = archived", []), ("id = $1", ["A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"]),
    ])
    func normalisedTextParsesBackToItself(clause: String, params: [String]) throws {
        let first = try F.clause(clause, params)
        let second = try F.clause(first.normalized)
        #expect(second.normalized == first.normalized)
        #expect(second == first)
    }

    @Test func quoteFollowedByCombiningMarkIsStillDoubled() throws {
        let clause = try F.clause("title = $1", ["'\u{301} OR TRUE"])
        #expect(clause.normalized == "\"title\" = '''\u{301} OR TRUE'")
        #expect(try F.clause(clause.normalized).referencedColumns == ["title"])
    }
}
