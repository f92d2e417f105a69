import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Delivers Unix signals as an async sequence instead of killing the process,
/// so every exit path can restore the terminal first (SIGINT, SIGTERM, SIGHUP)
/// and the screen can follow resizes (SIGWINCH).
///
/// The dispositions go back to the default on ``stop()``.
final class SignalWatcher: Sendable {
    /// The signals as they arrive.
    let signals: AsyncStream<Int32>
    private let watched: [Int32]
    private let sources: SignalSources

    init(_ watched: [Int32]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self, bufferingPolicy: .bufferingNewest(16))
        self.signals = stream
        self.watched = watched
        var sources: [any DispatchSourceSignal] = []
        for number in watched {
            // The default action must not run: the dispatch source reports the signal instead.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        self.sources = SignalSources(sources)
        continuation.onTermination = { _ in }
    }

    /// Stops watching; the signals have their default effect again.
    func stop() {
        sources.cancelAll()
        for number in watched { signal(number, SIG_DFL) }
    }
}

/// The dispatch sources of a ``SignalWatcher``.
///
/// `@unchecked Sendable`: the array is written once, in `init`, and after that
/// only read to cancel the sources, which libdispatch allows from any thread.
private final class SignalSources: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(_ sources: [any DispatchSourceSignal]) {
        self.sources = sources
    }

    func cancelAll() {
        for source in sources { source.cancel() }
    }
}
