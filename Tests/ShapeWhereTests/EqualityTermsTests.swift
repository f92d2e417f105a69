import Testing
@testable import ShapeWhere

@Suite("Equality terms for routing")
struct EqualityTermsTests {
    typealias F = Fixtures

    private func terms(_ clause: String, _ params: [String] = []) throws -> [EqualityTerm] {
        try F.clause(clause, params).equalityTerms
    }

    @Test func singleTermEitherOrder() throws {
        #expect(try terms("conversation_id = $1", ["c-1"]) == [EqualityTerm(column: "conversation_id", value: "c-1")])
        #expect(try terms("'c-1' = conversation_id") == [EqualityTerm(column: "conversation_id", value: "c-1")])
    }

    @Test func termsUnderTopLevelAnd() throws {
        let found = try terms("conversation_id = 'c-1' AND n = $1 AND title LIKE 'a%' AND (id = $2 OR done)",
                              ["7", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"])
        #expect(found == [EqualityTerm(column: "conversation_id", value: "c-1"), EqualityTerm(column: "n", value: "7")])
    }

    @Test func valuesAreInTheColumnsTextForm() throws {
        #expect(try terms("n = '+0042'") == [EqualityTerm(column: "n", value: "42")])
        #expect(try terms("id = $1", ["{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}"])
            == [EqualityTerm(column: "id", value: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")])
        #expect(try terms("mood = 'happy' AND created_at = '2024-01-01 00:00:00+00'") == [EqualityTerm(column: "mood", value: "happy")],
                "a timestamp equals rows written in other text, so it does not route")
    }

    @Test func noTermsUnderOrOrNot() throws {
        #expect(try terms("conversation_id = 'a' OR conversation_id = 'b'").isEmpty)
        #expect(try terms("NOT conversation_id = 'a'").isEmpty)
        #expect(try terms("conversation_id <> 'a'").isEmpty)
        #expect(try terms("conversation_id IN ('a')").isEmpty)
        #expect(try terms("(conversation_id = 'a') = TRUE").isEmpty)
    }

    @Test func noTermsWhoseTextHasSeveralSpellings() throws {
        #expect(try terms("price = 1.5").isEmpty)
        #expect(try terms("score = 1").isEmpty)
        #expect(try terms("done = TRUE").isEmpty)
        #expect(try terms("n = 1.5").isEmpty)
        #expect(try terms("title = subtitle").isEmpty)
        #expect(try terms("title = NULL").isEmpty)
    }

    @Test func duplicatesAppearOnce() throws {
        #expect(try terms("title = 'a' AND title = $1", ["a"]) == [EqualityTerm(column: "title", value: "a")])
    }

    @Test func everyRowMatchingAClauseHasItsTermValues() throws {
        let clause = try F.clause("conversation_id = $1 AND n = $2 AND title IS NOT NULL", ["c-1", "3"])
        let rows: [[String: String?]] = [
            ["conversation_id": "c-1", "n": "3", "title": "x"],
            ["conversation_id": "c-1", "n": "4", "title": "x"],
            ["conversation_id": "c-2", "n": "3", "title": "x"],
        ]
        for row in rows where clause.matches(row) {
            for term in clause.equalityTerms {
                #expect(row[term.column] == term.value)
            }
        }
    }

    @Test func referencedColumns() throws {
        #expect(try F.clause("title = 'a' AND (n IN (1) OR \"Title\" LIKE subtitle) AND done").referencedColumns
            == ["title", "n", "Title", "subtitle", "done"])
        #expect(try F.clause("TRUE").referencedColumns.isEmpty)
    }
}
