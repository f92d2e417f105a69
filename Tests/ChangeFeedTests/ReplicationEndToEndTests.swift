import ChangeFeed
import Foundation
import PostgresHarness
import Testing
/// A real server (the shared test cluster): writes made with psql come back
/// through `ReplicationConnection` as whole transactions with their txids.
struct ReplicationEndToEndTests {
    /// A database with the `messages` table published as `pub`, and a connection on a temporary slot.
    private func streaming() async throws -> (PostgresCluster, String, ReplicationConnection, EventCollector) {
        let (cluster, url, database) = try await TestCluster.database()
        try await makeMessagesTable(cluster, url: url, database: database, publication: "pub")
        let connection = try await ReplicationConnection.start(
            ReplicationConfiguration(url: url, slotName: database, publicationName: "pub", temporarySlot: true))
        return (cluster, database, connection, EventCollector(connection.events))
    }

    /// Runs `sql` in one transaction and returns its txid, read inside it as the API does.
    private func write(_ cluster: PostgresCluster, _ database: String, _ sql: String) async throws -> UInt64 {
        let output = try await cluster.sql("BEGIN;\n\(sql);\nSELECT pg_current_xact_id()::xid::text;\nCOMMIT;", in: database)
        return try #require(UInt64(output.trimmingCharacters(in: .whitespacesAndNewlines)), "txid output: \(output)")
    }

    @Test func insertUpdateDeleteArriveWithTheirTxids() async throws {
        let (cluster, database, connection, events) = try await streaming()
        let inserted = try await write(cluster, database, "INSERT INTO messages VALUES ('m1', 'c1', 'hello')")
        let updated = try await write(cluster, database, "UPDATE messages SET content = 'hello again' WHERE id = 'm1'")
        let deleted = try await write(cluster, database, "DELETE FROM messages WHERE id = 'm1'")
        let transactions = try await events.waitForTransactions(3)
        await connection.stop()

        #expect(transactions.map(\.txid) == [inserted, updated, deleted])
        #expect(transactions.map { $0.changes.map(\.operation) } == [[.insert], [.update], [.delete]])
        #expect(transactions[0].lsn < transactions[1].lsn && transactions[1].lsn < transactions[2].lsn)
        let sequences = transactions.flatMap { $0.changes.map(\.sequence) }
        #expect(sequences == sequences.sorted() && Set(sequences).count == 3)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(transactions.allSatisfy { abs(($0.committedAtMilliseconds ?? 0) - now) < 60_000 })

        let insert = transactions[0].changes[0]
        #expect(insert.table == "messages")
        #expect(insert.old == nil)
        #expect(insert.new == ["id": "m1", "conversation_id": "c1", "content": "hello"])
        let update = transactions[1].changes[0]
        #expect(update.old == ["id": "m1", "conversation_id": "c1", "content": "hello"])
        #expect(update.new == ["id": "m1", "conversation_id": "c1", "content": "hello again"])
        let delete = transactions[2].changes[0]
        #expect(delete.old == ["id": "m1", "conversation_id": "c1", "content": "hello again"])
        #expect(delete.new == nil)

        // Each transaction is followed by a checkpoint at its end, and stop() ends the stream.
        let all = events.all
        for transaction in transactions {
            let index = try #require(all.firstIndex { if case .transaction(let t) = $0 { t.lsn == transaction.lsn } else { false } })
            guard case .checkpoint(let end) = all[index + 1] else {
                Issue.record("no checkpoint after the transaction at \(transaction.lsn)")
                continue
            }
            #expect(end > transaction.lsn)
        }
        try await events.wait(for: "the stream to end") { _ in events.isFinished }
        #expect(events.error == nil)
    }

    @Test func aThousandRowTransactionArrivesWhole() async throws {
        let (cluster, database, connection, events) = try await streaming()
        let txid = try await write(
            cluster, database,
            "INSERT INTO messages SELECT 'r' || g, 'c1', 'row ' || g FROM generate_series(1, 1000) AS g")
        let transactions = try await events.waitForTransactions(1)
        await connection.stop()

        #expect(transactions.count == 1)
        let transaction = try #require(transactions.first)
        #expect(transaction.txid == txid)
        #expect(transaction.changes.count == 1000)
        #expect(transaction.changes.map(\.opPosition) == (0..<1000).map { Int64($0) * 2 })
        #expect(zip(transaction.changes, transaction.changes.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
        #expect(transaction.changes.last?.new?["id"] == "r1000")
    }

    @Test func anUnchangedToastedValueIsFilledFromTheOldRow() async throws {
        let (cluster, database, connection, events) = try await streaming()
        // EXTERNAL storage: stored out of line and uncompressed, so the update really leaves it TOASTed.
        try await cluster.sql("ALTER TABLE messages ALTER COLUMN content SET STORAGE EXTERNAL", in: database)
        let large = String(repeating: "qactl-", count: 5_000)
        _ = try await write(cluster, database, "INSERT INTO messages VALUES ('big', 'c1', repeat('qactl-', 5000))")
        _ = try await write(cluster, database, "UPDATE messages SET conversation_id = 'c2' WHERE id = 'big'")
        let transactions = try await events.waitForTransactions(2)
        await connection.stop()

        let update = transactions[1].changes[0]
        #expect(update.operation == .update)
        #expect(update.new?["conversation_id"] == "c2")
        #expect(update.new?["content"] == .some(large))
        #expect(update.old?["content"] == .some(large))
    }

    @Test func truncateAndSchemaChangesAreTheirOwnEvents() async throws {
        let (cluster, database, connection, events) = try await streaming()
        _ = try await write(cluster, database, "INSERT INTO messages VALUES ('m1', 'c1', 'hello')")
        try await cluster.sql("TRUNCATE messages", in: database)
        try await cluster.sql("ALTER TABLE messages ADD COLUMN extra text", in: database)
        _ = try await write(cluster, database, "INSERT INTO messages VALUES ('m2', 'c1', 'hi', 'more')")
        let all = try await events.wait(for: "truncate and the second insert") { events in
            events.count { if case .transaction = $0 { true } else { false } } == 2
        }
        await connection.stop()

        let kinds = all.map { event -> String in
            switch event {
            case .transaction: "transaction"
            case .truncate(let tables, _): "truncate \(tables.joined(separator: ","))"
            case .relationChanged(let table): "relationChanged \(table)"
            case .checkpoint: "checkpoint"
            case .gap: "gap"
            }
        }.filter { $0 != "checkpoint" }
        #expect(kinds == ["transaction", "truncate messages", "relationChanged messages", "transaction"])
        #expect(events.transactions.last?.changes.first?.new?["extra"] == "more")
    }

    @Test func aTemporarySlotDisappearsAfterStop() async throws {
        let (cluster, database, connection, _) = try await streaming()
        let query = "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '\(database)' AND temporary"
        #expect(try await cluster.sql(query, in: database) == "1")
        await connection.stop()
        #expect(connection.isClosed)
        // The walsender drops the slot as it exits, a moment after the socket closes.
        let deadline = ContinuousClock.now + .seconds(10)
        var count = "1"
        while count != "0", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            count = try await cluster.sql(query, in: database)
        }
        #expect(count == "0")
    }
}
