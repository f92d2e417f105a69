import ChangeFeed
import Logging
import SQLiteStore
import Synchronization

/// Confirms the replication slot only up to what the feed log holds durably.
/// The log commits each batch without waiting for the disk (a sync per batch
/// sat on every change's way to its shapes); this syncs it about once a
/// second and then confirms what was stored before the sync. After a power
/// cut the server streams again whatever the log lost.
final class SlotConfirmer: Sendable {
    private struct State {
        /// The newest position stored but not yet confirmed.
        var stored: UInt64?
        /// Bumped when the slot starts over: positions stored before then are never confirmed.
        var era = 0
    }

    private let state = Mutex(State())
    let feed: ReplicationFeed
    let log: FeedLog
    let interval: Duration

    init(feed: ReplicationFeed, log: FeedLog, interval: Duration = .seconds(1)) {
        self.feed = feed
        self.log = log
        self.interval = interval
    }

    /// `lsn` (a checkpoint of the stream) and everything before it is stored.
    func stored(_ lsn: UInt64) {
        state.withLock { $0.stored = max($0.stored ?? 0, lsn) }
    }

    /// After a gap: a new slot streams from `lsn`, which the log recorded.
    /// Confirmed at once, once synced; nothing stored before it ever is.
    func startOver(at lsn: UInt64) async throws {
        state.withLock {
            $0.stored = nil
            $0.era += 1
        }
        try await log.syncToDisk()
        feed.confirm(lsn: lsn)
    }

    /// Syncs the log and confirms what was stored before the sync began.
    func confirmDurable() async throws {
        let (lsn, era) = state.withLock { ($0.stored, $0.era) }
        guard let lsn else { return }
        try await log.syncToDisk()
        state.withLock { state in
            // Under the lock: a gap handled meanwhile must not be overtaken.
            guard state.era == era else { return }
            if state.stored == lsn { state.stored = nil }
            feed.confirm(lsn: lsn)
        }
    }

    /// Confirms durable positions every `interval` until cancelled.
    func run(logger: Logger) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            do {
                try await confirmDurable()
            } catch {
                logger.error("syncing the replication log failed; the slot is not confirmed past it", metadata: ["error": "\(error)"])
            }
        }
    }
}
