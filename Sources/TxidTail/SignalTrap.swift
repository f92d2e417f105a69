import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into a callback instead of sudden death, so that
/// a tail can clean up (close its slot, drop its publication) before exiting.
///
/// While installed the signals' default action is ignored; ``remove()``
/// restores it.
final class SignalTrap {
    private let signals: [Int32]
    private let sources: [any DispatchSourceSignal]

    /// Calls `handler` with the signal's number for every SIGINT/SIGTERM that arrives.
    init(signals: [Int32] = [SIGINT, SIGTERM], handler: @escaping @Sendable (Int32) -> Void) {
        self.signals = signals
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
        for number in signals { signal(number, SIG_DFL) }
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
