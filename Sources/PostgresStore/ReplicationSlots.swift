import ChangeFeed
import Foundation
import Logging
import PostgresNIO

/// The replication slots of qactl instances in one database: what an
/// operator needs to find and drop the slot of an instance that is gone
/// (PostgreSQL keeps WAL for a slot until it is dropped).
public enum ReplicationSlots {
    /// One slot as `pg_replication_slots` describes it.
    public struct Slot: Sendable, Equatable {
        public let name: String
        /// Whether a walsender (a running instance) holds it.
        public let isActive: Bool
        /// `reserved`, `extended`, `unreserved` or `lost` (PostgreSQL 13+).
        public let walStatus: String?
        /// WAL the server keeps for it, in bytes (nil once lost).
        public let retainedBytes: Int64?
    }

    /// `qactl_<host>_<random>`: which machine made it, and unique.
    static func newName(host: String) -> String {
        let cleaned = host.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" }
        let hostPart = String(String(cleaned).split(separator: "_").joined(separator: "_").prefix(24))
        let random = (0..<4).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        return hostPart.isEmpty || hostPart.hasPrefix("tail") ? "qactl_" + random : "qactl_\(hostPart)_\(random)"
    }

    /// The qactl slots of the database `url` names (not `qactl tail-txid`'s temporary ones).
    public static func list(url: String, logger: Logger) async throws -> [Slot] {
        try await withClient(url, logger: logger) { client in try await list(client: client, logger: logger) }
    }

    /// The same, over a client that is already running (a server's pool).
    public static func list(client: PostgresClient, logger: Logger) async throws -> [Slot] {
            try await client.query(
                """
                SELECT slot_name, active, wal_status::text, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint
                FROM pg_replication_slots
                WHERE slot_name LIKE 'qactl\\_%' AND slot_name NOT LIKE 'qactl\\_tail\\_%' AND database = current_database()
                ORDER BY slot_name
                """, logger: logger
            ).decode((String, Bool, String?, Int64?).self).gather().map {
                Slot(name: $0.0, isActive: $0.1, walStatus: $0.2, retainedBytes: $0.3)
            }
    }

    public enum DropOutcome: Sendable, Equatable {
        case dropped
        case notFound
        /// An instance is streaming from it: dropping it would break that instance.
        case active
        /// Not a qactl slot: someone else's (another tool's, a standby's).
        case notQactl
    }

    /// Drops slot `name` unless it is in use or not qactl's.
    public static func drop(_ name: String, url: String, logger: Logger) async throws -> DropOutcome {
        guard name.hasPrefix("qactl_"), !name.hasPrefix("qactl_tail_") else { return .notQactl }
        return try await withClient(url, logger: logger) { client in
            // Checked and dropped in one statement: a slot that became active meanwhile is not dropped.
            let rows = try await client.query(
                """
                SELECT active, CASE WHEN active THEN false ELSE pg_drop_replication_slot(slot_name) IS NOT NULL END
                FROM pg_replication_slots WHERE slot_name = \(name) AND database = current_database()
                """, logger: logger
            ).decode((Bool, Bool).self).gather()
            guard let row = rows.first else { return .notFound }
            return row.0 ? .active : .dropped
        }
    }

    private static func withClient<T: Sendable>(_ url: String, logger: Logger, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        do {
            try await ReplicationSetup(url: url, applicationName: "qactl slots").checkConnection()
        } catch let error as ChangeFeedError {
            throw SlotsError(message: error.message)
        }
        // A one-shot command's failures are thrown and reported; PostgresNIO's own
        // warnings (a lease that raced run()'s start) would only be noise on stderr.
        var quiet = logger
        quiet.logLevel = .error
        let client = PostgresClient(configuration: try PostgresURL(url).clientConfiguration(), backgroundLogger: quiet)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}

/// The database could not be reached or refused the login: the reason, as libpq gives it.
public struct SlotsError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
