import Foundation
import Synchronization

/// Reads what a child process writes to a pipe on a thread of its own, until
/// end of file or ``stop()``, handing each chunk to `received` as it arrives.
///
/// Not `FileHandle.readabilityHandler`: its dispatch source can outlive the
/// pipe's descriptor, and under load libdispatch's epoll loop then crashed on a
/// bad pointer (`_dispatch_event_loop_drain`), taking `qactl bench` with it.
public final class PipeFollower: Sendable {
    private let stopping = Mutex(false)
    private let ended = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)

    private init() {}

    /// Follows the read end of a Foundation `Pipe` (which keeps owning the descriptor).
    @discardableResult
    public static func follow(_ pipe: Pipe, _ received: @escaping @Sendable (Data) -> Void) -> PipeFollower {
        let handle = pipe.fileHandleForReading
        // The handle, held by the thread, keeps the descriptor open.
        return start(handle.fileDescriptor, received: received) { _ = handle }
    }

    /// Follows `descriptor` (a ``SpawnedProcess`` pipe end) and closes it when done.
    @discardableResult
    public static func follow(descriptor: Int32, _ received: @escaping @Sendable (Data) -> Void) -> PipeFollower {
        start(descriptor, received: received) { close(descriptor) }
    }

    private static func start(
        _ descriptor: Int32, received: @escaping @Sendable (Data) -> Void, done: @escaping @Sendable () -> Void
    ) -> PipeFollower {
        let follower = PipeFollower()
        Thread {
            defer {
                done()
                follower.ended.withLock { $0 = true }
                follower.finished.signal()
            }
            // poll(2) with a short timeout, so that stop() is noticed; read(2) returns what is there.
            var chunk = [UInt8](repeating: 0, count: 65_536)
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            while !follower.stopping.withLock({ $0 }) {
                let ready = poll(&poller, 1, 50)
                if ready < 0 && errno != EINTR { return }
                guard ready > 0 else { continue }
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    received(Data(chunk[0..<count]))
                } else if count == 0 || errno != EINTR {
                    return
                }
            }
        }.start()
        return follower
    }

    /// Whether the reader is done: end of file (every chunk handed over) or ``stop()``.
    public var hasEnded: Bool { ended.withLock { $0 } }

    /// Waits until the writer's end closed (end of file) and the last chunk was handed over.
    public func waitUntilEnd() {
        finished.wait()
        finished.signal()
    }

    /// Stops reading and waits (at most about 50 ms) until the reader has let go,
    /// so that the pipe can be closed.
    public func stop() {
        stopping.withLock { $0 = true }
        waitUntilEnd()
    }
}
