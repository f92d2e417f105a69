import ChangeFeed
import Logging
import ServiceLifecycle
import SQLiteStore
/// Moves PostgreSQL's replication stream into the local ``FeedLog`` and
/// confirms to the server only what is stored there, so a restart loses
/// nothing and the slot lets the server recycle WAL behind it.
public struct ReplicationPump: Service {
    /// What the pump needs from the rest of the server when the stream says
    /// that shapes are stale.
    public struct Handlers: Sendable {
        /// Tables whose shapes must be refetched (TRUNCATE, schema change).
        public var invalidateTables: @Sendable ([String]) async -> Void
        /// The stream had a gap: every shape must be refetched. Called with
        /// the reason; returns once every shape is invalidated.
        public var rebuildAll: @Sendable (String) async -> Void

        public init(invalidateTables: @escaping @Sendable ([String]) async -> Void, rebuildAll: @escaping @Sendable (String) async -> Void) {
            self.invalidateTables = invalidateTables
            self.rebuildAll = rebuildAll
        }
    }

    let feed: ReplicationFeed
    let log: FeedLog
    let handlers: Handlers
    let logger: Logger

    public init(feed: ReplicationFeed, log: FeedLog, logger: Logger, handlers: Handlers) {
        self.feed = feed
        self.log = log
        self.logger = logger
        self.handlers = handlers
    }

    public func run() async throws {
        let feed = self.feed
        try await withGracefulShutdownHandler {
            for try await event in feed.events {
                switch event {
                case .transaction(let transaction):
                    try await log.append(transaction)
                case .checkpoint(let lsn):
                    // Everything up to here is in the log (appends are awaited in order).
                    try await log.setMeta("confirmed_lsn", String(lsn))
                    feed.confirm(lsn: lsn)
                case .truncate(let tables, _):
                    logger.info("tables truncated: their shapes are refetched", metadata: ["tables": "\(tables)"])
                    await handlers.invalidateTables(tables)
                case .relationChanged(let table):
                    logger.info("table schema changed: its shapes are refetched", metadata: ["table": "\(table)"])
                    await handlers.invalidateTables([table])
                case .gap(let reason, let lsn):
                    logger.error(
                        "\(reason). Changes committed since the last position qactl stored were never received; a new slot streams from \(LSN.format(lsn)) and every shape is refetched from a fresh snapshot",
                        metadata: ["slot": "\(feed.slotName)"])
                    // Recorded first: a restart from here must not see the same gap again.
                    try await log.startOver(at: lsn)
                    feed.confirm(lsn: lsn)
                    await handlers.rebuildAll(reason)
                }
            }
        } onGracefulShutdown: {
            Task { await feed.stop() }
        }
    }
}
