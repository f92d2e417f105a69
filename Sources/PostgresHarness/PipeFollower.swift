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
    private let finished = DispatchSemaphore(value: 0)

    private init() {}

    @discardableResult
    public static func follow(_ pipe: Pipe, _ received: @escaping @Sendable (Data) -> Void) -> PipeFollower {
        let follower = PipeFollower()
        let handle = pipe.fileHandleForReading
        Thread {
            defer { follower.finished.signal() }
            // The handle, held here, keeps the descriptor open. poll(2) with a short
            // timeout, so that stop() is noticed; read(2) returns what is there.
            var chunk = [UInt8](repeating: 0, count: 65_536)
            var descriptor = pollfd(fd: handle.fileDescriptor, events: Int16(POLLIN), revents: 0)
            while !follower.stopping.withLock({ $0 }) {
                let ready = poll(&descriptor, 1, 50)
                if ready < 0 && errno != EINTR { return }
                guard ready > 0 else { continue }
                let count = chunk.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    received(Data(chunk[0..<count]))
                } else if count == 0 || errno != EINTR {
                    return
                }
            }
        }.start()
        return follower
    }

    /// Stops reading and waits (at most about 50 ms) until the reader has let go,
    /// so that the pipe can be closed.
    public func stop() {
        stopping.withLock { $0 = true }
        finished.wait()
        finished.signal()
    }
}
