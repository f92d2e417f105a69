import AppModel
import ChangeFeed
import Foundation
import Logging
import PostgresNIO
import SQLiteStore
/// Everything `qactl serve` needs on PostgreSQL, set up and checked: the pool,
/// the schema, the publication, a persistent replication slot for this data
/// dir, and the local log the replicated transactions go to.
public struct PostgresBackend: Sendable {
    public static let publication = "qactl"

    public let database: PostgresDatabase
    public let log: FeedLog
    public let feed: ReplicationFeed
    /// Runs the connection pool; cancelled when the server stops.
    public let poolTask: Task<Void, Never>

    /// Checks the server (wal_level, free slots, privileges), migrates, and
    /// starts replication from where this data dir's log left off.
    public static func open(url text: String, dataDirectory: String, logger: Logger) async throws -> PostgresBackend {
        let url = try PostgresURL(text)
        let log = try FeedLog(path: dataDirectory + "/postgres-feed.sqlite")
        let slot = try await slotName(log)
        let setup = ReplicationSetup(url: text)
        // One clear message per problem, with the fix, before anything else.
        _ = try await setup.checkServer(slotName: slot)

        let database = PostgresDatabase(url: url, logger: logger)
        let client = database.client
        let poolTask = Task { await client.run() }
        await Task.yield()
        do {
            try await database.migrate()
            try await setup.ensurePublication(publication, tables: DataModel.tables.map(\.name))
            // The slot must exist before any snapshot is taken: a transaction
            // committed between a snapshot and the slot's creation would be in neither.
            let exists = try await client.query(
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = \(slot) AND database = current_database()", logger: logger
            ).decode(Int.self).first { _ in true } ?? 0
            let confirmedBefore = try await log.meta("confirmed_lsn") != nil
            let storedChanges = try await log.lastSequence() > 0
            let storedShapes = try await !log.loadShapes().isEmpty
            let hasHistory = confirmedBefore || storedChanges || storedShapes
            if exists == 0 && !hasHistory {
                try await client.query("SELECT pg_create_logical_replication_slot(\(slot), 'pgoutput')", logger: logger)
            }
            // Otherwise a missing slot (dropped while qactl was stopped, or a
            // log made for another database) is a gap: the feed replaces the
            // slot and the pump has every shape refetched.
            let confirmed = UInt64(try await log.meta("confirmed_lsn").flatMap(Int64.init) ?? 0)
            // Reconnects forever (backing off to 7.5 s): a server outlives a
            // database restart; /healthz says 503 meanwhile.
            let feed = ReplicationFeed(
                configuration: ReplicationConfiguration(
                    url: text, slotName: slot, publicationName: publication, temporarySlot: false, startLSN: confirmed, slotMustExist: true),
                retryDelay: .milliseconds(250), maxConsecutiveFailures: .max)
            return PostgresBackend(database: database, log: log, feed: feed, poolTask: poolTask)
        } catch {
            poolTask.cancel()
            throw error
        }
    }

    /// This data dir's slot name, made once and kept in the log.
    static func slotName(_ log: FeedLog) async throws -> String {
        if let name = try await log.meta("slot_name") { return name }
        let name = "qactl_" + (0..<6).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        try await log.setMeta("slot_name", name)
        return name
    }

    public var source: PostgresShapeSource { PostgresShapeSource(database: database, log: log) }
}
