import Foundation
import Testing

/// `qactl tail-txid --database-url` as a real process against a throwaway
/// PostgreSQL cluster. Serialized: xids are cluster-wide, and one test
/// predicts the next one.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ReplicationTailEndToEndTests {
    private static let schema = """
        CREATE TABLE items (id text PRIMARY KEY, n int);
        CREATE TABLE pairs (a int, b int, v text, PRIMARY KEY (a, b));
        CREATE TABLE notes (id text, body text);
        CREATE TABLE logs (msg text);
        ALTER TABLE logs REPLICA IDENTITY FULL;
        INSERT INTO logs VALUES ('hello');
        """

    private func tail(_ database: TestDatabase, _ arguments: [String]) throws -> ToolProcess {
        try ToolProcess.qactl(["tail-txid", "--database-url", database.url] + arguments)
    }

    @Test func printsXidLSNCountsTablesKeysAndDelay() async throws {
        let database = try await TestDatabase.create()
        try await database.sql(Self.schema)
        let tail = try tail(database, ["--json"])
        let ready = jsonObject(try await tail.waitForLine { $0.contains(#""type":"ready""#) })
        #expect((ready["slot"] as? String)?.hasPrefix("qactl_tail_") == true)
        #expect(try await database.leftovers() == (1, 1), "the tail's own slot and publication exist while it runs")

        let first = try await database.transaction("""
            INSERT INTO items VALUES ('i-1', 1), ('i-2', 2);
            UPDATE items SET n = 10 WHERE id = 'i-1';
            INSERT INTO pairs VALUES (1, 2, 'x');
            """)
        let line = jsonObject(try await tail.waitForLine { number(jsonObject($0)["txid"]) == first })
        #expect(line["type"] as? String == "transaction")
        #expect(line["source"] as? String == "postgres")
        #expect(number(line["insert"]) == 3)
        #expect(number(line["update"]) == 1)
        #expect(number(line["delete"]) == 0)
        #expect(line["tables"] as? [String] == ["items", "pairs"])
        #expect(line["keys"] as? [String] == ["items:i-1", "items:i-2", "pairs:(1,2)"])
        let lsn = try #require(number(line["lsn"]))
        #expect(line["pgLSN"] as? String == String(lsn >> 32, radix: 16, uppercase: true) + "/" + String(lsn & 0xFFFF_FFFF, radix: 16, uppercase: true))
        let delay = try #require((line["delayMs"] as? NSNumber)?.int64Value)
        #expect((-5_000...60_000).contains(delay))

        let second = try await database.transaction("""
            DELETE FROM pairs;
            DELETE FROM logs WHERE msg = 'hello';
            INSERT INTO notes VALUES ('n-1', 'body');
            UPDATE items SET id = 'i-9' WHERE id = 'i-2';
            """)
        let next = jsonObject(try await tail.waitForLine { number(jsonObject($0)["txid"]) == second })
        #expect(number(next["insert"]) == 1)
        #expect(number(next["update"]) == 1)
        #expect(number(next["delete"]) == 2)
        #expect(next["keys"] as? [String] == ["pairs:(1,2)", "logs:(msg=hello)", "notes:n-1", "items:i-2→i-9"])

        try await database.sql("TRUNCATE notes")
        let truncate = jsonObject(try await tail.waitForLine { $0.contains(#""type":"truncate""#) })
        #expect(truncate["tables"] as? [String] == ["notes"])

        tail.send(SIGINT)
        #expect(try await tail.exitStatus() == 0, "\(tail.stderr)")
        #expect(try await database.leftoversAfterExit() == (0, 0))
    }

    @Test func textLineShowsXidBothLSNFormsAndDelay() async throws {
        let database = try await TestDatabase.create()
        try await database.sql(Self.schema)
        let tail = try tail(database, [])
        try await tail.waitForError("through temporary slot qactl_tail_")
        let xid = try await database.transaction("INSERT INTO items VALUES ('t-1', 1);")
        let line = try await tail.waitForLine { $0.hasPrefix("xid \(xid) ") }
        #expect(line.wholeMatch(of: /xid \d+  lsn \d+ \([0-9A-F]+\/[0-9A-F]+\)  insert 1  update 0  delete 0  tables items  keys items:t-1  delay -?[0-9.]+m?s/) != nil, "\(line)")
        tail.send(SIGTERM)
        #expect(try await tail.exitStatus() == 0)
        #expect(try await database.leftoversAfterExit() == (0, 0))
    }

    @Test func awaitSucceedsForACommittedXidAndForOneThatArrives() async throws {
        let database = try await TestDatabase.create()
        try await database.sql(Self.schema)
        let committed = try await database.transaction("INSERT INTO items VALUES ('old', 0);")
        let early = try tail(database, ["--await", String(committed), "--json"])
        #expect(try await early.exitStatus() == 0, "\(early.stderr)")
        let awaited = jsonObject(try await early.waitForLine { $0.contains(#""type":"awaited""#) })
        #expect(awaited["seen"] as? String == "committed")
        #expect(try await database.leftoversAfterExit() == (0, 0))

        // The tail's CREATE PUBLICATION takes an xid too: aim a few ahead and
        // write until the stream reaches that xid.
        let target = try await database.nextXid() + 3
        let late = try tail(database, ["--await", String(target), "--timeout", "30s", "--json"])
        try await late.waitForLine { $0.contains(#""type":"ready""#) }
        var written: [UInt64] = []
        while written.last.map({ $0 < target }) ?? true, written.count < 10 {
            written.append(try await database.transaction("INSERT INTO items VALUES ('w-\(written.count)', 0);"))
        }
        try #require(written.contains(target), "xids written: \(written), target \(target)")
        #expect(try await late.exitStatus() == 0, "\(late.stderr)")
        let seen = jsonObject(try await late.waitForLine { $0.contains(#""type":"awaited""#) })
        #expect(seen["seen"] as? String == "change")
        #expect(try await database.leftoversAfterExit() == (0, 0))
    }

    @Test func awaitTimesOutAndLeavesNothingBehind() async throws {
        let database = try await TestDatabase.create()
        try await database.sql(Self.schema)
        let future = try await database.nextXid() + 100_000
        let tail = try tail(database, ["--await", String(future), "--timeout", "1s"])
        #expect(try await tail.exitStatus() == 4)
        #expect(tail.stderr.contains("timed_out: xid \(future) not seen within 1s"), "\(tail.stderr)")
        #expect(try await database.leftoversAfterExit() == (0, 0))
    }

    @Test func aBrokenStreamExitsOneAndStillDropsThePublication() async throws {
        let database = try await TestDatabase.create()
        try await database.sql(Self.schema)
        let tail = try tail(database, ["--json"])
        try await tail.waitForLine { $0.contains(#""type":"ready""#) }
        try await database.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_replication WHERE application_name = 'qactl tail-txid'")
        #expect(try await tail.exitStatus() == 1)
        #expect(tail.stderr.contains("database_failed"), "\(tail.stderr)")
        #expect(try await database.leftoversAfterExit() == (0, 0))
    }

    @Test func aPublicationLeftByAKilledTailIsDroppedByTheNextOne() async throws {
        let database = try await TestDatabase.create()
        try await database.sql(Self.schema)
        let killed = try tail(database, ["--json"])
        try await killed.waitForLine { $0.contains(#""type":"ready""#) }
        killed.send(SIGKILL)
        _ = try await killed.exitStatus()
        #expect(try await database.leftoversAfterExit() == (0, 1), "SIGKILL leaves the publication (the slot is temporary)")
        // Stand-ins with names as a tail makes them: one from an hour ago, one just made (its tail may be starting).
        let now = Int(Date().timeIntervalSince1970)
        let (old, recent) = ("qactl_tail_\(now - 3600)_0badf00d", "qactl_tail_\(now)_0000beef")
        try await database.sql("CREATE PUBLICATION \(old) FOR ALL TABLES; CREATE PUBLICATION \(recent) FOR ALL TABLES; CREATE PUBLICATION mine FOR ALL TABLES;")

        let next = try tail(database, ["--json"])
        try await next.waitForLine { $0.contains(#""type":"ready""#) }
        let names = Set(try await database.sql("SELECT pubname FROM pg_publication ORDER BY 1").split(separator: "\n").map(String.init))
        #expect(!names.contains(old), "an hour-old tail publication without its slot is dropped: \(names)")
        #expect(names.contains(recent) && names.contains("mine"), "a minute-young one, and anything not a tail's, stay: \(names)")
        #expect(next.stderr.contains("left by a killed tail-txid"), "\(next.stderr)")
        next.send(SIGINT)
        _ = try await next.exitStatus()
        // The killed tail's own publication was made seconds ago: it goes on a later run, once over a minute old.
        #expect(try await database.sql("SELECT count(*) FROM pg_publication WHERE pubname LIKE 'qactl\\_tail\\_%'") == "2")
    }

    @Test func aClosedStdoutStopsTheTailAndCleansUp() async throws {
        let database = try await TestDatabase.create()
        try await database.sql(Self.schema)
        let tail = try tail(database, ["--json"])
        try await tail.waitForLine { $0.contains(#""type":"ready""#) }
        tail.closeStdout()
        _ = try await database.transaction("INSERT INTO items VALUES ('p-1', 1);")
        #expect(try await tail.exitStatus() == 0, "\(tail.stderr)")
        #expect(try await database.leftoversAfterExit() == (0, 0))
    }

    @Test func awaitOfARolledBackXidFailsAtOnce() async throws {
        let database = try await TestDatabase.create()
        try await database.sql(Self.schema)
        let output = try await database.sql("BEGIN;\nINSERT INTO items VALUES ('gone', 0);\nSELECT pg_current_xact_id()::xid::text;\nROLLBACK;")
        let xid = try #require(UInt64(output))
        let tail = try tail(database, ["--await", String(xid), "--timeout", "30s"])
        #expect(try await tail.exitStatus() == 1)
        #expect(tail.stderr.contains("rolled_back: xid \(xid) was rolled back"), "\(tail.stderr)")
        #expect(try await database.leftoversAfterExit() == (0, 0))
    }

    @Test func aRoleThatIsNoSuperuserPublishesTheTablesItOwns() async throws {
        let database = try await TestDatabase.create()
        let role = "tailer_" + database.name.suffix(12)
        try await database.sql("""
            CREATE ROLE \(role) LOGIN REPLICATION;
            GRANT CREATE ON DATABASE \(database.name) TO \(role);
            CREATE TABLE mine (id text PRIMARY KEY);
            ALTER TABLE mine OWNER TO \(role);
            CREATE TABLE theirs (id text PRIMARY KEY);
            """)
        let url = database.url.replacingOccurrences(of: "postgres@", with: "\(role)@")
        let tail = try ToolProcess.qactl(["tail-txid", "--database-url", url, "--json"])
        try await tail.waitForLine { $0.contains(#""type":"ready""#) }
        #expect(tail.stderr.contains("following the 1 table this role owns"), "\(tail.stderr)")
        _ = try await database.transaction("INSERT INTO theirs VALUES ('t-1');")
        let xid = try await database.transaction("INSERT INTO mine VALUES ('m-1');")
        let line = jsonObject(try await tail.waitForLine { number(jsonObject($0)["txid"]) == xid })
        #expect(line["keys"] as? [String] == ["mine:m-1"])
        #expect(!tail.stdout.contains("theirs"), "only the role's own tables are published")
        tail.send(SIGINT)
        #expect(try await tail.exitStatus() == 0, "\(tail.stderr)")
        #expect(try await database.leftoversAfterExit() == (0, 0))
    }

    @Test func unknownRoleIsRefused() async throws {
        let database = try await TestDatabase.create()
        let url = database.url.replacingOccurrences(of: "postgres@", with: "nobody@")
        let tail = try ToolProcess.qactl(["tail-txid", "--database-url", url])
        #expect(try await tail.exitStatus() == 3)
        #expect(tail.stderr.contains("auth_refused"), "\(tail.stderr)")
    }
}
