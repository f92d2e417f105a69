import ChangeFeed
import Synchronization

/// The replication events that arrived while the pump was busy, taken all at
/// once: the pump then stores a whole batch of transactions in one SQLite
/// transaction (one fsync) instead of one per replicated transaction.
final class EventBatches: Sendable {
    private struct State {
        var events: [ReplicationEvent] = []
        var finished = false
        var failure: (any Error)?
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Reads `events` until they end; call once, in a task of its own.
    func fill(from events: AsyncThrowingStream<ReplicationEvent, any Error>) async {
        var failure: (any Error)?
        do {
            for try await event in events {
                let waiter = state.withLock { state in
                    state.events.append(event)
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume()
            }
        } catch {
            failure = error
        }
        let waiter = state.withLock { state in
            state.finished = true
            state.failure = failure
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Every event received since the last call (at least one), or nil when
    /// the stream ended; rethrows the stream's error.
    func next() async throws -> [ReplicationEvent]? {
        while true {
            let taken = try state.withLock { state -> [ReplicationEvent]? in
                if !state.events.isEmpty {
                    defer { state.events.removeAll(keepingCapacity: true) }
                    return state.events
                }
                if state.finished {
                    if let failure = state.failure { throw failure }
                    return []
                }
                return nil
            }
            if let taken { return taken.isEmpty ? nil : taken }
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if !state.events.isEmpty || state.finished { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }
}
