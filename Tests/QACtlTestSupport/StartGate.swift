import Synchronization

/// Lets at most `width` server starts run at once, the others wait their turn.
///
/// swift-testing begins every test of a run together: on two cores, sixty
/// `qactl serve` processes starting at once (beside a compile and several
/// `initdb`s) took longer than any start deadline, and tests failed that had
/// nothing wrong with them. A start's deadline counts from its admission.
public final class StartGate: Sendable {
    /// The gate every `qactl serve` a test starts goes through.
    public static let servers = StartGate(width: 3)

    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    public init(width: Int) {
        state = Mutex(State(free: width))
    }

    /// Runs `body` once admitted, and lets the next waiter in when it ends.
    public func admitted<T>(_ body: () async throws -> T) async throws -> T {
        await enter()
        defer { leave() }
        return try await body()
    }

    private func enter() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = state.withLock { state in
                guard state.free > 0 else {
                    state.waiting.append(continuation)
                    return false
                }
                state.free -= 1
                return true
            }
            if admitted { continuation.resume() }
        }
    }

    private func leave() {
        // The slot passes straight to the first waiter, so a newcomer cannot overtake it.
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.free += 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
