import ChangeFeed
import Foundation
import PostgresHarness
import Testing
/// A walsender terminated mid-stream: the feed reconnects from the confirmed
/// position, and a later connection from that position gets exactly what was
/// not confirmed.
struct ReplicationRecoveryTests {
    private func insert(_ cluster: PostgresCluster, _ database: String, _ id: String) async throws -> UInt64 {
        let output = try await cluster.sql(
            "BEGIN; INSERT INTO messages VALUES ('\(id)', 'c1', 'text'); SELECT pg_current_xact_id()::xid::text; COMMIT;", in: database)
        return try #require(UInt64(output))
    }

    /// The LSN of the checkpoint that follows the transaction with `txid`.
    private func checkpoint(after txid: UInt64, in events: [ReplicationEvent]) throws -> UInt64 {
        let index = try #require(events.firstIndex { if case .transaction(let t) = $0 { t.txid == txid } else { false } })
        guard case .checkpoint(let lsn) = events[index + 1] else {
            Issue.record("no checkpoint after txid \(txid)")
            throw CancellationError()
        }
        return lsn
    }

    @Test func terminatingTheWalsenderLosesNothingAndDuplicatesNothing() async throws {
        let (cluster, url, database) = try await TestCluster.database()
        try await makeMessagesTable(cluster, url: url, database: database, publication: "pub")
        let configuration = ReplicationConfiguration(url: url, slotName: database, publicationName: "pub")
        let feed = ReplicationFeed(configuration: configuration, retryDelay: .milliseconds(100))
        let events = EventCollector(feed.events)
        let firstPID = try await waitForConnection(feed)

        let first = try await insert(cluster, database, "m1")
        let second = try await insert(cluster, database, "m2")
        let delivered = try await events.wait(for: "two transactions") { events in
            events.count { if case .transaction = $0 { true } else { false } } == 2
        }
        // Only the first is confirmed; the second was delivered but not yet processed.
        let confirmed = try checkpoint(after: first, in: delivered)
        feed.confirm(lsn: confirmed)

        try await cluster.sql("SELECT pg_terminate_backend(\(firstPID))", in: database)
        let third = try await insert(cluster, database, "m3")
        try await events.waitForTransactions(3)
        let fourth = try await insert(cluster, database, "m4")
        let transactions = try await events.waitForTransactions(4)
        #expect(feed.reconnects >= 1)
        #expect(feed.backendPID != firstPID)
        // The server resent the unconfirmed second transaction; the feed delivered it once.
        #expect(transactions.map(\.txid) == [first, second, third, fourth])
        #expect(events.error == nil)
        await feed.stop()
        #expect(feed.confirmedLSN == confirmed)

        // A new connection from the confirmed position (as after a process
        // restart) gets everything not confirmed, and nothing that was.
        let resumed = try await ReplicationConnection.start(
            ReplicationConfiguration(url: url, slotName: database, publicationName: "pub", startLSN: confirmed))
        let again = EventCollector(resumed.events)
        let replayed = try await again.waitForTransactions(3)
        try await Task.sleep(for: .milliseconds(300))
        await resumed.stop()
        #expect(replayed.map(\.txid) == [second, third, fourth])
        #expect(again.transactions.count == 3)

        #expect(try await ReplicationSetup(url: url).dropSlot(database))
        #expect(try await cluster.sql("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '\(database)'", in: database) == "0")
    }

    private func waitForConnection(_ feed: ReplicationFeed) async throws -> Int32 {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let pid = feed.backendPID { return pid }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the feed never connected")
        throw CancellationError()
    }
}
