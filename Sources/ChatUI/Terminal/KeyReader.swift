import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a raw-mode terminal on a dedicated thread and delivers ``Key``s.
///
/// A blocking `read` would hold one of Swift concurrency's few threads, so
/// the reader `poll`s on its own thread. The poll timeout also tells a lone
/// Escape from the start of an escape sequence (see ``KeyDecoder/flush()``).
final class KeyReader: Sendable {
    /// The keys, in order; finishes at end of input or after ``stop()``.
    let keys: AsyncStream<Key>
    private let running = Atomic<Bool>(true)

    /// How long a lone ESC waits for the rest of a sequence.
    static let escapeTimeout: Int32 = 40
    /// How often the thread checks whether it should stop.
    static let idleTimeout: Int32 = 200

    init(descriptor: Int32 = STDIN_FILENO) {
        let (stream, continuation) = AsyncStream.makeStream(of: Key.self)
        keys = stream
        let thread = Thread { [self] in
            var decoder = KeyDecoder()
            var buffer = [UInt8](repeating: 0, count: 1024)
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            while self.running.load(ordering: .relaxed) {
                poller.revents = 0
                let ready = poll(&poller, 1, decoder.hasPending ? Self.escapeTimeout : Self.idleTimeout)
                if ready < 0 && errno != EINTR { break }
                if ready <= 0 {
                    for key in decoder.flush() { continuation.yield(key) }
                    continue
                }
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                if count <= 0 {
                    continuation.yield(.endOfInput)
                    break
                }
                for key in decoder.feed(Array(buffer[0..<count])) { continuation.yield(key) }
            }
            continuation.finish()
        }
        thread.name = "qactl-chat-keys"
        thread.start()
    }

    /// Ends the thread within ``idleTimeout`` milliseconds.
    func stop() {
        running.store(false, ordering: .relaxed)
    }
}
