import ChangeFeed
import Foundation
import PostgresHarness
import Testing

/// Set-up helpers and the errors a misconfigured server or feed produces.
struct ReplicationSetupTests {
    @Test func checkServerPassesOnALogicalCluster() async throws {
        let (_, url, database) = try await TestCluster.database()
        let report = try await ReplicationSetup(url: url).checkServer(slotName: database)
        #expect(report.walLevel == "logical")
        #expect(report.canReplicate)
        #expect(report.maxReplicationSlots == 10)
        #expect(report.serverEncoding == "UTF8")
        #expect(report.serverVersion >= 100000)
        #expect(report.problems.isEmpty)
    }

    @Test func checkServerExplainsAReplicaWALLevel() async throws {
        let cluster = try await onThread { try PostgresCluster.start(.init(walLevel: "replica")) }
        defer { try? cluster.stop() }
        #expect(cluster.url == "postgres://postgres@127.0.0.1:\(cluster.port)/qactl_test")
        if geteuid() == 0 {
            // initdb refuses root: the harness hands the cluster to the postgres user.
            let owner = try FileManager.default.attributesOfItem(atPath: cluster.directory + "/data")[.ownerAccountName] as? String
            #expect(owner == "postgres")
        }
        let setup = ReplicationSetup(url: cluster.url)
        let error = await #expect(throws: ChangeFeedError.self) { try await setup.checkServer() }
        #expect(error?.code == .serverNotReady)
        #expect(error?.message == "wal_level is 'replica'; set wal_level = logical in postgresql.conf "
            + "(or ALTER SYSTEM SET wal_level = logical) and restart PostgreSQL")

        // Streaming anyway fails with the server's own words.
        try await cluster.sql("CREATE TABLE t (id int PRIMARY KEY); CREATE PUBLICATION pub FOR TABLE t", in: cluster.database)
        let streamError = await #expect(throws: ChangeFeedError.self) {
            _ = try await ReplicationConnection.start(.init(url: cluster.url, slotName: "s", publicationName: "pub", temporarySlot: true))
        }
        #expect(streamError?.code == .serverNotReady)
        #expect(streamError?.message.contains("logical decoding requires wal_level >= logical") == true)

        try await onThread { try cluster.stop() }
        #expect(!FileManager.default.fileExists(atPath: cluster.directory))
        #expect(throws: PostgresHarnessError.self) { try cluster.psql("SELECT 1") }
    }

    @Test func reportListsEveryProblemWithItsFix() {
        let report = ServerReport(
            serverVersion: 150000, walLevel: "logical", maxReplicationSlots: 4, usedReplicationSlots: 4, maxWALSenders: 2,
            usedWALSenders: 2, role: "app", canReplicate: false, serverEncoding: "SQL_ASCII", slotExists: false)
        let problems = report.problems
        #expect(problems.count == 4)
        #expect(problems[0].hasPrefix("all 4 replication slots are in use (max_replication_slots = 4)"))
        #expect(problems[1].contains("raise max_wal_senders"))
        #expect(problems[2] == "role 'app' may not start replication; run ALTER ROLE \"app\" REPLICATION as a superuser, or connect as a role that has it")
        #expect(problems[3].contains("ENCODING 'UTF8'"))
        var existing = report
        existing.slotExists = true
        #expect(existing.problems.count == 3)
    }

    @Test func publicationsAndReplicaIdentity() async throws {
        let (cluster, url, database) = try await TestCluster.database()
        try await cluster.sql("CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE \"B\" (id int PRIMARY KEY)", in: database)
        let setup = ReplicationSetup(url: url)
        let tables = "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_publication_tables WHERE pubname = 'pub'"

        try await setup.ensurePublication("pub", tables: ["a"])
        #expect(try await cluster.sql(tables, in: database) == "a")
        try await setup.ensurePublication("pub", tables: ["a"])
        try await setup.ensurePublication("pub", tables: ["a", "public.B"])
        #expect(try await cluster.sql(tables, in: database) == "B,a")
        try await setup.ensurePublication("pub", tables: ["B"])
        #expect(try await cluster.sql(tables, in: database) == "B")

        let missing = await #expect(throws: ChangeFeedError.self) { try await setup.ensurePublication("pub", tables: ["nope"]) }
        #expect(missing?.code == .invalidName)
        await #expect(throws: ChangeFeedError.self) { try await setup.ensurePublication("Pub", tables: ["a"]) }

        try await setup.setReplicaIdentityFull(["a", "B"])
        try await setup.setReplicaIdentityFull(["a"])
        #expect(try await cluster.sql("SELECT string_agg(relreplident::text, ',') FROM pg_class WHERE relname IN ('a', 'B')", in: database) == "f,f")

        try await setup.dropPublication("pub")
        try await setup.dropPublication("pub")
        #expect(try await cluster.sql("SELECT count(*) FROM pg_publication", in: database) == "0")
    }

    @Test func startingFailsClearly() async throws {
        let (cluster, url, database) = try await TestCluster.database()
        try await makeMessagesTable(cluster, url: url, database: database, publication: "pub")

        let noPublication = await #expect(throws: ChangeFeedError.self) {
            _ = try await ReplicationConnection.start(.init(url: url, slotName: database, publicationName: "nopub", temporarySlot: true))
        }
        #expect(noPublication?.code == .serverNotReady)
        #expect(noPublication?.message.hasPrefix("publication 'nopub' does not exist") == true)

        let badName = await #expect(throws: ChangeFeedError.self) {
            _ = try await ReplicationConnection.start(.init(url: url, slotName: "Bad-Name", publicationName: "pub"))
        }
        #expect(badName?.code == .invalidName)

        let unreachable = await #expect(throws: ChangeFeedError.self) {
            _ = try await ReplicationConnection.start(.init(url: "postgres://postgres@127.0.0.1:1/x", slotName: "s", publicationName: "pub"))
        }
        #expect(unreachable?.code == .connectionFailed)
        #expect(unreachable?.isRetryable == true)
        #expect(unreachable?.message.contains("127.0.0.1") == true)

        let notAURL = await #expect(throws: ChangeFeedError.self) {
            _ = try await ReplicationConnection.start(.init(url: "host=localhost", slotName: "s", publicationName: "pub"))
        }
        #expect(notAURL?.code == .invalidURL)

        // A persistent slot: kept after stop, refused as a temporary one, then dropped.
        let persistent = try await ReplicationConnection.start(.init(url: url, slotName: database, publicationName: "pub"))
        #expect(persistent.system.database == database)
        #expect(persistent.system.walPosition > 0)
        await persistent.stop()
        let taken = await #expect(throws: ChangeFeedError.self) {
            _ = try await ReplicationConnection.start(.init(url: url, slotName: database, publicationName: "pub", temporarySlot: true))
        }
        #expect(taken?.code == .invalidName)
        let setup = ReplicationSetup(url: url)
        #expect(try await setup.dropSlot(database))
        #expect(try await !setup.dropSlot(database))
    }
}
