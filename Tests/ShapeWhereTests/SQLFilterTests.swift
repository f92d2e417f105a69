import Testing
@testable import ShapeWhere

@Suite("Snapshot prefilter SQL")
struct SQLFilterTests {
    typealias F = Fixtures

    private func filter(_ clause: String, _ params: [String] = [], _ dialect: SQLDialect) throws -> SQLFilter? {
        try F.clause(clause, params).sqlFilter(dialect: dialect)
    }

    @Test func simpleEquality() throws {
        let sqlite = try filter("conversation_id = $1", ["c-1"], .sqlite)
        #expect(sqlite == SQLFilter(sql: "\"conversation_id\" = ?", bindings: ["c-1"], exact: true))
        let postgres = try filter("conversation_id = $1", ["c-1"], .postgres)
        #expect(postgres == SQLFilter(sql: "\"conversation_id\" = $1::\"text\"", bindings: ["c-1"], exact: true))
    }

    @Test func everyTranslatableConstruct() throws {
        let clause = "title <> 'a' AND 'b' < subtitle AND id IN ($1, NULL) AND body IS NOT NULL AND title NOT IN ('x') "
            + "AND title LIKE 'a\\%%' AND created_at = '2024-01-01' AND title >= body"
        let uuid = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
        let sqlite = try #require(try filter(clause, [uuid], .sqlite))
        #expect(sqlite.sql == "\"title\" COLLATE BINARY <> ? AND ? < \"subtitle\" COLLATE BINARY AND \"id\" IN (?, ?) "
            + "AND \"body\" IS NOT NULL AND \"title\" COLLATE BINARY NOT IN (?) AND \"title\" LIKE ? ESCAPE '\\' "
            + "AND \"title\" COLLATE BINARY >= \"body\"")
        #expect(sqlite.bindings == ["a", "b", uuid, nil, "x", "a\\%%"])
        let postgres = try #require(try filter(clause, [uuid], .postgres))
        #expect(postgres.sql == "\"title\" COLLATE \"C\" <> $1::\"text\" AND $2::\"text\" < \"subtitle\" COLLATE \"C\" "
            + "AND \"id\" IN ($3::\"uuid\", $4::\"uuid\") AND \"body\" IS NOT NULL AND \"title\" COLLATE \"C\" NOT IN ($5::\"text\") "
            + "AND \"title\" COLLATE \"C\" LIKE $6::\"text\" AND \"title\" COLLATE \"C\" >= \"body\"")
        #expect(postgres.bindings == sqlite.bindings, "timestamptz is compared by instant, not text: left to the evaluator")
    }

    @Test func numbersAndBooleansOnlyForPostgres() throws {
        let clause = "n > $1 AND price = 1.50 AND score < 2 AND done AND archived = FALSE AND n = 1.5 AND big IN (1, 2)"
        #expect(try filter(clause, ["3"], .sqlite) == nil)
        let postgres = try #require(try filter(clause, ["3"], .postgres))
        #expect(postgres.sql == "\"n\" > $1::\"int4\" AND \"price\" = $2::\"numeric\" AND \"score\" < $3::\"float8\" AND \"done\" "
            + "AND \"archived\" = $4::\"bool\" AND \"n\" = $5::\"numeric\" AND \"big\" IN ($6::\"int8\", $7::\"int8\")")
        #expect(postgres.bindings == ["3", "1.5", "2.0", "false", "1.5", "1", "2"])
    }

    @Test func untranslatablePartsAreDroppedFromAnd() throws {
        let sqlite = try filter("title = 'a' AND n = 1 AND title ILIKE 'x%'", [], .sqlite)
        #expect(sqlite == SQLFilter(sql: "\"title\" = ?", bindings: ["a"], exact: false), "a superset: rows still need checking")
        #expect(try filter("created_at = '2024-01-01'", [], .postgres) == nil, "Postgres compares timestamps by value, not text")
        #expect(try filter("mood = 'sad'", [], .postgres) == nil, "an unknown enum label would fail the cast")
        #expect(try filter("created_at IS NULL AND mood IS NOT NULL", [], .postgres)?.sql == "\"created_at\" IS NULL AND \"mood\" IS NOT NULL")
        #expect(try filter("created_at < '2024-01-01'", [], .sqlite) == nil, "a timestamp's text order is not its time order")
    }

    @Test func deepNestingIsLeftToTheEvaluator() throws {
        // SQLite's parser overflows at about 45 nested NOTs; the clause allows 100 levels.
        let deep = try F.clause(String(repeating: "NOT ", count: 80) + "title = 'a' AND subtitle = 'b'")
        #expect(deep.sqlFilter(dialect: .sqlite) == SQLFilter(sql: "\"subtitle\" = ?", bindings: ["b"], exact: false))
        #expect(try F.matches(String(repeating: "NOT ", count: 80) + "title = 'a'", ["title": "a"]))
    }

    @Test func orNeedsEveryBranch() throws {
        #expect(try filter("title = 'a' OR n = 1", [], .sqlite) == nil)
        let both = try filter("title = 'a' OR (subtitle = 'b' AND body IS NULL)", [], .sqlite)
        #expect(both == SQLFilter(sql: "\"title\" = ? OR (\"subtitle\" = ? AND \"body\" IS NULL)", bindings: ["a", "b"], exact: true))
        let nested = try filter("done AND (title = 'a' OR n = 1)", [], .postgres)
        #expect(nested?.sql == "\"done\" AND (\"title\" = $1::\"text\" OR \"n\" = $2::\"int8\")")
    }

    @Test func supersetsAreNeverNegated() throws {
        // SQLite's LIKE ignores ASCII case: a superset, so NOT over it would lose rows.
        #expect(try filter("title LIKE 'a%'", [], .sqlite)?.sql == "\"title\" LIKE ? ESCAPE '\\'")
        #expect(try filter("NOT title LIKE 'a%'", [], .sqlite) == nil)
        #expect(try filter("title NOT LIKE 'a%'", [], .sqlite) == nil)
        #expect(try filter("NOT (title = 'a' AND n = 1)", [], .sqlite) == nil, "the AND was partial")
        #expect(try filter("NOT (title = 'a' AND subtitle = 'b')", [], .sqlite)?.sql
            == "NOT (\"title\" COLLATE BINARY = ? AND \"subtitle\" COLLATE BINARY = ?)")
        #expect(try filter("title NOT LIKE 'a%'", [], .postgres)?.sql == "\"title\" COLLATE \"C\" NOT LIKE $1::\"text\"")
        #expect(try filter("NOT (title = 'a' OR subtitle IN ('b'))", [], .postgres)?.sql
            == "NOT (\"title\" COLLATE \"C\" = $1::\"text\" OR \"subtitle\" COLLATE \"C\" IN ($2::\"text\"))",
            "a nondeterministic collation's = is only a superset")
        #expect(try filter("title ILIKE 'a%'", [], .postgres) == nil)
    }

    @Test func blankPaddedChar() throws {
        let columns = ["code": "bpchar", "nm": "name", "t": "text"]
        func filter(_ text: String, _ dialect: SQLDialect) throws -> String? {
            try WhereClause.parse(text, columns: columns, params: []).sqlFilter(dialect: dialect)?.sql
        }
        #expect(try filter("code = 'ab'", .postgres) == "\"code\" = $1::\"bpchar\"")
        #expect(try filter("code < 'ab'", .postgres) == "\"code\" COLLATE \"C\" < $1::\"bpchar\"")
        #expect(try filter("code NOT LIKE 'a%'", .postgres) == "\"code\" COLLATE \"C\" NOT LIKE $1::\"text\"")
        #expect(try filter("code = 'ab'", .sqlite) == nil, "SQLite holds the padded text")
        #expect(try filter("code = t", .sqlite) == nil)
        #expect(try filter("nm < 'ab'", .postgres) == "\"nm\" COLLATE \"C\" < $1::\"text\"", "a name cast would truncate")
    }

    @Test func nullTestsOfConditions() throws {
        #expect(try filter("(title = 'a') IS NULL", [], .sqlite)?.sql == "(\"title\" COLLATE BINARY = ?) IS NULL")
        #expect(try filter("(n = 1) IS NULL", [], .sqlite) == nil)
        #expect(try filter("$1 IS NULL", ["x"], .postgres) == nil, "constants are never pasted")
    }

    @Test func nothingTranslates() throws {
        #expect(try filter("TRUE", [], .postgres) == nil)
        #expect(try filter("title ILIKE 'a'", [], .sqlite) == nil)
        #expect(try filter("(n = 1) = (m = 2)", [], .postgres) == nil)
    }

    static let hostile = [
        "' OR 1=1 --", "x') OR ('1'='1", "\"; DROP TABLE items; --", "$1 OR TRUE", "?; --", "a' || pg_sleep(10) || '",
        "\\'; SELECT 1; --", "'\u{301} OR TRUE --", "0; DELETE FROM t", "/* */ OR 1=1",
    ]

    @Test(arguments: hostile)
    func valuesNeverReachTheSQLText(value: String) throws {
        let clauses = [
            "title = $1", "title <> $1 AND subtitle < $1", "title IN ($1, 'safe') OR body = $1", "title LIKE $1 || 'x'",
            "NOT (title >= $1)", "title NOT IN ($1)", "subtitle = $1", "mood = $1",
        ]
        for text in clauses {
            guard let clause = try? F.clause(text, [value]) else {
                #expect(text.contains("||"), "only the || clause is refused")
                continue
            }
            for dialect in [SQLDialect.sqlite, .postgres] {
                guard let filter = clause.sqlFilter(dialect: dialect) else { continue }
                #expect(!filter.sql.contains(value), "\(filter.sql)")
                #expect(filter.bindings.contains(value))
                #expect(!filter.sql.contains("'") || filter.sql.hasSuffix("ESCAPE '\\'"), "\(filter.sql)")
            }
        }
    }

    @Test(arguments: hostile)
    func literalsNeverReachTheSQLTextEither(value: String) throws {
        var quoted = "'"
        for scalar in value.unicodeScalars {
            quoted.unicodeScalars.append(scalar)
            if scalar == "'" { quoted.unicodeScalars.append("'") }
        }
        quoted += "'"
        let clause = try F.clause("title = \(quoted) OR subtitle IN (\(quoted))")
        for dialect in [SQLDialect.sqlite, .postgres] {
            let filter = try #require(clause.sqlFilter(dialect: dialect))
            #expect(!filter.sql.contains(value))
            #expect(filter.bindings == [value, value])
        }
    }

    @Test func placeholdersMatchBindings() throws {
        let clause = try F.clause("title IN ($1, $2, $3) AND (subtitle = $1 OR body < $2) AND n = 5", ["a", "b", "c"])
        let sqlite = try #require(clause.sqlFilter(dialect: .sqlite))
        #expect(sqlite.sql.filter { $0 == "?" }.count == sqlite.bindings.count)
        let postgres = try #require(clause.sqlFilter(dialect: .postgres))
        #expect(postgres.bindings == ["a", "b", "c", "a", "b", "5"])
        #expect(postgres.sql.contains("$6::\"int8\""))
        #expect(!postgres.sql.contains("$7"))
    }
}
