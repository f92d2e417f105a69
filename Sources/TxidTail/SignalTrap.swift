import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into a callback instead of sudden death, so that
/// a tail can clean up (close its slot, drop its publication) before exiting.
///
/// SIGPIPE is ignored meanwhile, so that a write to a closed stdout fails
/// with EPIPE (which stops the tail) instead of killing the process: being
/// sent to the writing thread, it cannot reach a dispatch source.
/// ``remove()`` restores the default actions.
final class SignalTrap {
    private let signals: [Int32]
    private let ignored: [Int32]
    private let sources: [any DispatchSourceSignal]

    /// Calls `handler` with the signal's number for every one of `signals` that arrives.
    init(signals: [Int32] = [SIGINT, SIGTERM], ignoring ignored: [Int32] = [SIGPIPE], handler: @escaping @Sendable (Int32) -> Void) {
        self.signals = signals
        self.ignored = ignored
        for number in ignored { signal(number, SIG_IGN) }
        sources = signals.map { number in
            // The default action would kill the process before the source ever fires.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    /// Stops handling the signals and restores their default action.
    func remove() {
        for source in sources { source.cancel() }
        for number in signals + ignored { signal(number, SIG_DFL) }
    }

    /// `SIGINT`, `SIGTERM`, or the number.
    static func name(_ number: Int32) -> String {
        switch number {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(number)"
        }
    }
}
