import Foundation
import ShapeWire
import SyncModel

extension SyncService {
    /// Follows the change log until shutdown or cancellation: woken by ``poke()``
    /// after in-process commits, and polling for commits of other processes.
    public func run() async {
        // One ticker for commits of other processes, instead of a timer per wait.
        let interval = configuration.pollInterval
        let ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await self?.wakeFeed(.tick)
            }
        }
        let maintenance = Task { [weak self, interval = maintenanceInterval] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { return }
                await self?.maintain()
            }
        }
        await follow()
        // Both end before run() does: nothing of the service touches the store after it.
        ticker.cancel()
        maintenance.cancel()
        await ticker.value
        await maintenance.value
        // A clean stop leaves every log whole on disk: the next start replays nothing.
        await checkpointLogs()
    }

    private func follow() async {
        // The first pass reads the log; so does every tick.
        var wake = FeedWake.tick
        while !isShuttingDown && !Task.isCancelled {
            do {
                // A short read is not the log's end: both stores stop at a transaction's
                // boundary. Only an empty read says the feed is caught up. Woken by this
                // process's commits, the feed takes them from memory when the store can
                // tell it that they are all there is (other processes' wait for a tick).
                let recent = wake == .commit ? store.recentTransactions(afterSequence: position, limit: 5000) : nil
                let transactions = if let recent { recent } else { try await store.transactions(afterSequence: position, limit: 5000) }
                if transactions.isEmpty {
                    if !isCaughtUp { markCaughtUp() }
                    if wake == .tick { try await store.whenCaughtUp() }
                    wake = await waitForCommit()
                    continue
                }
                for transaction in transactions { apply(transaction) }
            } catch {
                // Stopping is not a failure: the read was cancelled with the service.
                if Task.isCancelled || isShuttingDown { return }
                logger.error("reading the change log failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    /// Tells the feed that a transaction was just committed in this process.
    public nonisolated func poke() {
        // One hop in flight is enough: it wakes the feed for every commit before it.
        guard !pokeInFlight.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Task {
            self.pokeInFlight.store(false, ordering: .releasing)
            await self.wakeFeed(.commit)
        }
    }

    /// Wakes the feed, or leaves the wake for its next wait; a tick outweighs a commit.
    func wakeFeed(_ wake: FeedWake) {
        if let waiter = feedWaiter {
            feedWaiter = nil
            waiter.resume(returning: wake)
        } else if feedWake != .tick {
            feedWake = wake
        }
    }

    private func waitForCommit() async -> FeedWake {
        if let pending = feedWake {
            feedWake = nil
            return pending
        }
        return await withCheckedContinuation { feedWaiter = $0 }
    }

    private func markCaughtUp() {
        caughtUp.store(true, ordering: .releasing)
        let waiting = readinessWaiters
        readinessWaiters.removeAll()
        for waiter in waiting.values { waiter.resume() }
    }

    /// Waits until the startup catch-up is done, shutdown began, or `timeout` passed.
    func waitUntilCaughtUp(timeout: Duration) async {
        guard !isCaughtUp && !isShuttingDown else { return }
        nextWaiterID += 1
        let id = nextWaiterID
        await withCheckedContinuation { continuation in
            readinessWaiters[id] = continuation
            Task {
                try? await Task.sleep(for: timeout)
                self.readinessWaiters.removeValue(forKey: id)?.resume()
            }
        }
    }

    /// Routes one committed transaction to the shapes it concerns (each
    /// consumer appends it and wakes its long-polls), then publishes its
    /// position.
    func apply(_ transaction: CommittedTransaction) {
        if let committed = transaction.committedAtMilliseconds {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            lastApplyLag = .milliseconds(max(0, now - committed))
        }
        if let last = transaction.changes.last?.sequence { position = max(position, last) }
        let candidates = router.candidates(for: transaction)
        timeline.withLock { $0.applied(transaction, shapes: candidates.count) }
        for handle in candidates {
            guard let shape = shapes[handle] else { continue }
            do {
                try shape.apply(transaction)
            } catch {
                // A log that cannot be written (a full disk) drops its shape: its
                // clients refetch, nothing is served from a log with a hole.
                logger.error("writing a shape's log failed; the shape is dropped", metadata: ["handle": "\(shape.handle)", "error": "\(error)"])
                let handles = drop([shape], reason: "its log could not be written")
                let store = self.store
                Task { try? await store.deleteShapes(handles) }
            }
        }
        // Only now: an up-to-date naming this position must not run ahead of any shape's log.
        if transaction.lsn > appliedLSN.load(ordering: .relaxed) { appliedLSN.store(transaction.lsn, ordering: .releasing) }
    }
}
