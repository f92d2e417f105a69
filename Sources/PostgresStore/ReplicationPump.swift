import ChangeFeed
import Logging
import ServiceLifecycle
import SQLiteStore
import SyncModel
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
        let confirmer = SlotConfirmer(feed: feed, log: log)
        let logger = self.logger
        try await withGracefulShutdownHandler {
            let batches = EventBatches()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await batches.fill(from: feed.events) }
                let confirming = Task { await confirmer.run(logger: logger) }
                defer { confirming.cancel() }
                while let batch = try await batches.next() {
                    try await handle(batch, confirmer: confirmer)
                }
                try await group.waitForAll()
            }
            // What the last batches stored, so a restart does not stream it again.
            try? await confirmer.confirmDurable()
        } onGracefulShutdown: {
            Task { await feed.stop() }
        }
    }

    /// Handles events in order; runs of transactions and checkpoints are
    /// stored together, and the slot is confirmed up to the last checkpoint
    /// of a run once the run is stored durably (see ``SlotConfirmer``).
    private func handle(_ batch: [ReplicationEvent], confirmer: SlotConfirmer) async throws {
        var transactions: [CommittedTransaction] = []
        var checkpoint: UInt64?
        func flush() async throws {
            // One commit (one sync) stores the run and the position it confirms.
            if !transactions.isEmpty {
                try await log.append(contentsOf: transactions, confirmedLSN: checkpoint)
            } else if let lsn = checkpoint {
                try await log.setMeta("confirmed_lsn", String(lsn))
            }
            transactions.removeAll()
            if let lsn = checkpoint {
                confirmer.stored(lsn)
                checkpoint = nil
            }
        }
        for event in batch {
            switch event {
            case .transaction(let transaction):
                transactions.append(transaction)
                if transactions.count >= 1000 { try await flush() }
            case .checkpoint(let lsn):
                // Everything before it in the stream is stored by the flush that confirms it.
                checkpoint = lsn
            case .truncate(let tables, _):
                try await flush()
                logger.info("tables truncated: their shapes are refetched", metadata: ["tables": "\(tables)"])
                await handlers.invalidateTables(tables)
            case .relationChanged(let table):
                try await flush()
                logger.info("table schema changed: its shapes are refetched", metadata: ["table": "\(table)"])
                await handlers.invalidateTables([table])
            case .gap(let reason, let lsn):
                // Whatever came before the gap belongs to the lost slot: stored, but never confirmed past it.
                checkpoint = nil
                try await flush()
                logger.error(
                    "\(reason). Changes committed since the last position qactl stored were never received; a new slot streams from \(LSN.format(lsn)) and every shape is refetched from a fresh snapshot",
                    metadata: ["slot": "\(feed.slotName)"])
                // Recorded first: a restart from here must not see the same gap again.
                try await log.startOver(at: lsn)
                try await confirmer.startOver(at: lsn)
                await handlers.rebuildAll(reason)
            }
        }
        try await flush()
    }
}
