import Synchronization

/// Why a tail stopped early, and the one place that stops it: a signal, or
/// a standard output whose reader went away (`qactl tail-txid | head -3`).
/// Stopping cancels the tail's task, whose clean-up then runs as usual.
final class TailStop: Sendable {
    enum Reason: Equatable, Sendable {
        /// A signal, by name (`SIGINT`).
        case signal(String)
        case outputClosed
    }

    private struct State {
        var reason: Reason?
        var cancel: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    /// The first reason given, if any.
    var reason: Reason? { state.withLock { $0.reason } }

    /// What stopping does (cancel the tail's task); runs at once if already stopped.
    func onStop(_ cancel: @escaping @Sendable () -> Void) {
        let stopped = state.withLock { state -> Bool in
            state.cancel = cancel
            return state.reason != nil
        }
        if stopped { cancel() }
    }

    /// Stops for `reason`; true the first time, false when already stopping.
    @discardableResult
    func stop(_ reason: Reason) -> Bool {
        let cancel = state.withLock { state -> (@Sendable () -> Void)?? in
            guard state.reason == nil else { return .none }
            state.reason = reason
            return .some(state.cancel)
        }
        guard let cancel else { return false }
        cancel?()
        return true
    }
}
