import Testing
@testable import ShapeWhere

/// Timestamps compare by the instant they name, whatever text they are written in:
/// TanStack DB sends ISO dates (`…T…Z`), Postgres and the embedded store write
/// `2026-12-04 13:18:55.277987+00`.
@Suite("Timestamps by instant")
struct TimestampTests {
    typealias F = Fixtures
    static let row: [String: String?] = ["created_at": "2026-12-04 13:18:55.277987+00"]

    @Test(arguments: [
        ("created_at > '2026-12-04T00:00:00Z'", true),
        ("created_at > '2026-12-04T00:00:00.000Z'", true),
        ("created_at < '2026-12-04T23:59:59Z'", true),
        ("created_at > '2026-12-04 14:00:00+02'", true),  // 12:00 UTC
        ("created_at < '2026-12-04 12:00:00-05'", true),  // 17:00 UTC
        ("created_at > '2026-12-04 12:00:00-05'", false),
        ("created_at = '2026-12-04T13:18:55.277987Z'", true),
        ("created_at = '2026-12-04 14:18:55.277987+01:00'", true),
        ("created_at > '2026-12-04'", true),
        ("created_at >= '2026-12-05'", false),
        ("created_at < 'infinity'", true),
        ("created_at > '-infinity'", true),
        ("created_at IN ('2026-12-04T13:18:55.277987+0000', '2020-01-01')", true),
    ])
    func literals(clause: String, expected: Bool) throws {
        #expect(try F.matches(clause, Self.row) == expected, "\(clause)")
    }

    @Test func parametersAndRowsInOtherZones() throws {
        #expect(try F.matches("created_at > $1", Self.row, ["2026-12-04T00:00:00.000Z"]))
        #expect(try F.matches("created_at > $1", ["created_at": "2026-12-04 01:00:00+05:30"], ["2026-12-03T19:29:59Z"]))
        #expect(try !F.matches("created_at > $1", ["created_at": "2026-12-04 01:00:00+05:30"], ["2026-12-03T19:30:00Z"]))
        // A row value that is not a timestamp is unknown, never a match by accident.
        #expect(try !F.matches("created_at < $1", ["created_at": "soon"], ["2030-01-01"]))
    }

    @Test(arguments: ["garbage", "2026-13-01", "2026-02-30", "2026-12-04T25:00:00Z", "2026-12-04T10:00:00+99", "2026-12-04 10:00:00 junk", ""])
    func invalidConstantsAreRefused(text: String) {
        #expect(F.error("created_at > $1", [text]).contains("is not a valid timestamptz"), "\(text)")
    }

    @Test func theSQLitePrefilterLeavesTimestampsToTheEvaluator() throws {
        // Text order is not time order, so the prefilter must not narrow by it.
        let filter = try F.clause("created_at > $1 AND conversation_id = $2", ["2026-12-04T00:00:00Z", "c-1"]).sqlFilter(dialect: .sqlite)
        #expect(filter?.sql.contains("created_at") == false, "\(filter?.sql ?? "nil")")
        #expect(WhereTimestamp.microseconds("1970-01-01T00:00:00Z", zoned: true) == 0)
        #expect(WhereTimestamp.microseconds("1970-01-01 00:00:00.0000005", zoned: true) == 1)
        #expect(WhereTimestamp.microseconds("2000-02-29 24:00:00", zoned: true) == WhereTimestamp.microseconds("2000-03-01", zoned: true))
        #expect(WhereTimestamp.microseconds("2026-12-04 10:00:00+02", zoned: false) == WhereTimestamp.microseconds("2026-12-04 10:00:00", zoned: false))
    }
}
