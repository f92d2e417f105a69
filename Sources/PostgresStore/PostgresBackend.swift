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
    /// The local replication log and the feed into it; nil for a gatekeeper
    /// in front of a real Electric, which reads no changes itself.
    public let log: FeedLog?
    public let feed: ReplicationFeed?
    /// Runs the connection pool; cancelled when the server stops.
    public let poolTask: Task<Void, Never>

    /// Checks the server (wal_level, free slots, privileges), migrates, and
    /// starts replication from where this data dir's log left off.
    /// `logPath`: the local replication log (`DataDirectory.replicationLog`).
    public static func open(
        url text: String, logPath: String, startAfresh: Bool = false, replicate: Bool = true, answerLease: Duration = .seconds(30), logger: Logger
    ) async throws -> PostgresBackend {
        let url = try PostgresURL(text)
        let setup = ReplicationSetup(url: text)
        guard replicate else {
            let database = PostgresDatabase(url: url, logger: logger, answerLease: answerLease)
            let client = database.client
            let poolTask = Task { await client.run() }
            do {
                try await database.migrate()
            } catch {
                poolTask.cancel()
                throw error
            }
            return PostgresBackend(database: database, log: nil, feed: nil, poolTask: poolTask)
        }
        let log = try FeedLog(path: logPath, startAfresh: startAfresh)
        let slot = try await slotName(log)
        // One clear message per problem, with the fix, before anything else.
        _ = try await setup.checkServer(slotName: slot)

        // The slot names this instance (unique per data dir, kept across restarts).
        let database = PostgresDatabase(url: url, logger: logger, instance: slot, answerLease: answerLease)
        let client = database.client
        let poolTask = Task { await client.run() }
        await Task.yield()
        do {
            try await database.migrate()
            try await setup.ensurePublication(publication, tables: DataModel.tables.map(\.name))
            // A log with a position or shapes resumes: its slot must exist, and
            // a missing one is a gap the feed reports. A fresh log has no
            // position: the feed creates the slot, before any snapshot is taken
            // (open returns only once it streams), so no commit falls between.
            let confirmedBefore = try await log.meta("confirmed_lsn").flatMap(UInt64.init)
            let storedChanges = try await log.lastSequence() > 0
            let storedShapes = try await !log.loadShapes().isEmpty
            let startLSN = confirmedBefore ?? (storedChanges || storedShapes ? 1 : 0)
            if startLSN == 0 { try await warnAboutIdleSlots(except: slot, client: client, logger: logger) }
            // Reconnects forever (backing off to 7.5 s): a server outlives a
            // database restart; /healthz says 503 meanwhile.
            let feed = ReplicationFeed(
                configuration: ReplicationConfiguration(
                    url: text, slotName: slot, publicationName: publication, temporarySlot: false, startLSN: startLSN, slotMustExist: true),
                retryDelay: .milliseconds(250), maxConsecutiveFailures: .max)
            do {
                // Longer than PostgreSQL's default wal_sender_timeout (60 s): after a crash of
                // this host the old walsender holds the slot until then.
                try await feed.waitUntilStreaming(timeout: .seconds(90))
            } catch {
                await feed.stop()
                throw error
            }
            return PostgresBackend(database: database, log: log, feed: feed, poolTask: poolTask)
        } catch {
            poolTask.cancel()
            throw error
        }
    }

    /// A fresh log starts a new slot; a slot of an earlier log (deleted, or a
    /// data dir gone) would keep WAL on the server for ever. Named, not
    /// dropped: another qactl may still own it.
    static func warnAboutIdleSlots(except slot: String, client: PostgresClient, logger: Logger) async throws {
        let idle = try await client.query(
            """
            SELECT slot_name, coalesce(pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)), '?')
            FROM pg_replication_slots
            WHERE slot_name LIKE 'qactl\\_%' AND slot_name NOT LIKE 'qactl\\_tail\\_%' AND NOT active AND slot_name <> \(slot) AND database = current_database()
            """, logger: logger
        ).decode((String, String).self).gather()
        for (name, retained) in idle {
            logger.warning(
                "replication slot \(name) is not in use and keeps \(retained) of WAL on the server; if no qactl data dir uses it any more, drop it: SELECT pg_drop_replication_slot('\(name)')")
        }
    }

    /// This data dir's slot name, made once and kept in the log.
    static func slotName(_ log: FeedLog) async throws -> String {
        if let name = try await log.meta("slot_name") { return name }
        let name = ReplicationSlots.newName(host: ProcessInfo.processInfo.hostName)
        try await log.setMeta("slot_name", name)
        return name
    }

    /// What the embedded sync service reads; nil without replication.
    public var source: PostgresShapeSource? { log.map { PostgresShapeSource(database: database, log: $0) } }
}
