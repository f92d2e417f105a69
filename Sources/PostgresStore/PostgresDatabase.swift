import AppModel
import Foundation
import Logging
import PostgresNIO
import ShapeWhere
import ShapeWire
import SyncModel
/// The production store: the data model in PostgreSQL, written through a
/// postgres-nio connection pool. Every write reads its txid inside its own
/// transaction as `pg_current_xact_id()::xid` (the 32-bit value logical
/// replication carries).
public final class PostgresDatabase: AppStore {
    public let url: PostgresURL
    public let client: PostgresClient
    let logger: Logger
    /// Who this process is among the instances sharing the database (the
    /// owner of its answer leases).
    public let instance: String
    /// How long an answer lease lasts without a write renewing it.
    public let answerLease: Duration

    public init(url: PostgresURL, logger: Logger, instance: String? = nil, answerLease: Duration = .seconds(30)) {
        self.url = url
        self.logger = logger
        self.instance = instance ?? "qactl-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        self.answerLease = answerLease
        client = PostgresClient(configuration: url.clientConfiguration(), backgroundLogger: logger)
    }

    /// Runs `body` in one transaction whose txid it is given; returns both. A
    /// deadlock or serialization failure is retried (twice), as PostgreSQL advises.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, UInt64) async throws -> T) async throws -> (T, UInt64) {
        var attempt = 0
        while true {
            do {
                return try await transactionOnce(body)
            } catch let error as PostgresTransactionError {
                let state = (error.closureError as? PSQLError)?.serverInfo?[.sqlState] ?? (error.commitError as? PSQLError)?.serverInfo?[.sqlState]
                attempt += 1
                guard attempt < 3, state == "40P01" || state == "40001" else { throw error.closureError ?? error }
            }
        }
    }

    /// Runs one statement (its own transaction), retrying a deadlock or
    /// serialization failure twice as ``transaction(_:)`` does.
    static func retryingConflicts<T>(_ statement: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await statement()
            } catch let error as PSQLError {
                attempt += 1
                guard attempt < 3, isConflict(error) else { throw error }
            }
        }
    }

    /// A deadlock or serialization failure: the statement can simply run again.
    static func isConflict(_ error: PSQLError) -> Bool {
        let state = error.serverInfo?[.sqlState]
        return state == "40P01" || state == "40001"
    }

    private func transactionOnce<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, UInt64) async throws -> T) async throws -> (T, UInt64) {
        let logger = self.logger
        return try await client.withTransaction(logger: logger) { connection -> (T, UInt64) in
            let txid = try await connection.query("SELECT pg_current_xact_id()::xid::text", logger: logger).first { _ in true }
                .flatMap { try? $0.decode(String.self) }.flatMap(UInt64.init)
            guard let txid else { throw StoreError(.unavailable, "PostgreSQL did not report a transaction id") }
            return (try await body(connection, txid), txid)
        }
    }

    public func isHealthy() async -> Bool {
        let (client, logger) = (self.client, self.logger)
        return (try? await guarded("a health check", timeout: .seconds(2)) { try await client.query("SELECT 1", logger: logger).collect().count }) == 1
    }

    /// Runs the statements of `migrations` not yet applied, each version once,
    /// under an advisory lock so that two servers starting together agree.
    public func migrate() async throws {
        let logger = self.logger
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(7352819)", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS qactl_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query("SELECT version FROM qactl_migrations", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            for (version, statements) in PostgresSchema.migrations where !applied.contains(version) {
                for statement in statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO qactl_migrations(version) VALUES (\(version))", logger: logger)
            }
        }
    }
}
