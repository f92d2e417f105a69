import Synchronization

/// When parked long-polls time out, kept in arrival order: one sweeper task
/// serves them all, so a poll answered early leaves no timer task behind
/// (at thousands of polls a second, a sleeping task per poll was tens of
/// thousands of tasks alive at once).
struct WaiterDeadlines {
    struct Entry {
        let deadline: ContinuousClock.Instant
        let shape: Shape
        let id: Int
    }

    /// One queue per hold length: within a queue, deadlines only grow.
    private var queues: [Duration: Queue] = [:]

    struct Queue {
        var entries: [Entry] = []
        var head = 0

        var first: Entry? { head < entries.count ? entries[head] : nil }

        mutating func popFirst() {
            head += 1
            // Drop the consumed front once it is most of the storage.
            if head >= 1024 && head * 2 >= entries.count {
                entries.removeFirst(head)
                head = 0
            }
        }
    }

    mutating func add(_ entry: Entry, hold: Duration) {
        queues[hold, default: Queue()].entries.append(entry)
    }

    /// The earliest deadline of any waiter.
    var earliest: ContinuousClock.Instant? {
        queues.values.compactMap(\.first?.deadline).min()
    }

    /// Removes and returns the entries due at `now`.
    mutating func takeDue(at now: ContinuousClock.Instant) -> [Entry] {
        var due: [Entry] = []
        for hold in Array(queues.keys) {
            guard var queue = queues.removeValue(forKey: hold) else { continue }
            while let first = queue.first, first.deadline <= now {
                due.append(first)
                queue.popFirst()
            }
            if queue.first != nil { queues[hold] = queue }
        }
        return due
    }
}

/// Times parked long-polls out: one sweeper task for every shape's waiters,
/// running only while some poll is parked. Shared by the consumers, so
/// parking a poll does not go through the registry's actor.
final class LongPollTimer: Sendable {
    private struct State {
        var deadlines = WaiterDeadlines()
        var sweeping = false
    }

    private let state = Mutex(State())

    /// Wakes waiter `id` of `shape` after `hold`, unless it was woken before.
    func add(_ shape: Shape, id: Int, after hold: Duration) {
        let startsSweeper = state.withLock { state in
            state.deadlines.add(.init(deadline: .now + hold, shape: shape, id: id), hold: hold)
            defer { state.sweeping = true }
            return !state.sweeping
        }
        if startsSweeper { Task { await self.sweep() } }
    }

    private func sweep() async {
        while let next = state.withLock({ state -> ContinuousClock.Instant? in
            guard let earliest = state.deadlines.earliest else {
                state.sweeping = false
                return nil
            }
            return earliest
        }) {
            // At most a second at a time: a shorter hold may arrive meanwhile.
            try? await Task.sleep(until: min(next, .now + .seconds(1)), clock: .continuous)
            let due = state.withLock { $0.deadlines.takeDue(at: .now) }
            for entry in due { entry.shape.resumeWaiter(entry.id) }
        }
    }
}
