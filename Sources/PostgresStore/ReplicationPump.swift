import ChangeFeed
import Logging
import ServiceLifecycle
import Store

/// Moves PostgreSQL's replication stream into the local ``FeedLog`` and
/// confirms to the server only what is stored there, so a restart loses
/// nothing and the slot lets the server recycle WAL behind it.
public struct ReplicationPump: Service {
    let feed: ReplicationFeed
    let log: FeedLog
    /// Tables whose shapes must be refetched (TRUNCATE, schema change).
    let onInvalidate: @Sendable ([String]) async -> Void
    let logger: Logger

    public init(feed: ReplicationFeed, log: FeedLog, logger: Logger, onInvalidate: @escaping @Sendable ([String]) async -> Void) {
        self.feed = feed
        self.log = log
        self.logger = logger
        self.onInvalidate = onInvalidate
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
                    await onInvalidate(tables)
                case .relationChanged(let table):
                    logger.info("table schema changed: its shapes are refetched", metadata: ["table": "\(table)"])
                    await onInvalidate([table])
                }
            }
        } onGracefulShutdown: {
            Task { await feed.stop() }
        }
    }
}
