import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unix signals delivered as an async stream instead of their default action,
/// for commands that must clean up before they exit (restore the terminal,
/// drop a replication slot). Built on swift-service-lifecycle's
/// `UnixSignalsSequence`; ``stop()`` gives the signals their default action back.
///
/// ```swift
/// let watcher = await SignalStream([.sigint, .sigterm])
/// for await signal in watcher.signals { … }
/// ```
public final class SignalStream: Sendable {
    /// The signals as they arrive.
    public let signals: AsyncStream<UnixSignal>
    private let watched: [UnixSignal]
    private let forwarding: Task<Void, Never>

    public init(_ watched: [UnixSignal]) async {
        self.watched = watched
        let (stream, continuation) = AsyncStream.makeStream(of: UnixSignal.self, bufferingPolicy: .bufferingNewest(16))
        signals = stream
        // Trapping is in place once the sequence exists, before any signal can be missed.
        let trapped = await UnixSignalsSequence(trapping: watched)
        forwarding = Task {
            for await signal in trapped { continuation.yield(signal) }
            continuation.finish()
        }
    }

    /// Stops watching; the signals have their default effect again.
    public func stop() {
        forwarding.cancel()
        for watchedSignal in watched { signal(watchedSignal.rawValue, SIG_DFL) }
    }
}
