#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a child process ended.
enum ProcessStatus: Equatable, Sendable {
    case exited(Int32)
    case signalled(Int32)
}

/// Blocking reads, writes and waits for the threads of a ``CommandRun``. Each call retries
/// on EINTR; none is meant for Swift concurrency's cooperative threads.
enum FileDescriptorIO {
    /// Reads `fd` until end of file (or an error), handing each chunk to `body`.
    static func readUntilEnd(_ fd: Int32, _ body: (ArraySlice<UInt8>) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            body(buffer[0..<count])
        }
    }

    /// Writes all of `bytes` unless the reader goes away first (a command that does not read
    /// its input is not an error). SIGPIPE is blocked on this thread only, so that the write
    /// fails with EPIPE instead of the signal ending the whole server.
    static func writeIgnoringBrokenPipe(_ fd: Int32, _ bytes: [UInt8]) {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)

        var written = 0
        var brokenPipe = false
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return write(fd, base + written, raw.count - written)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                brokenPipe = errno == EPIPE
                break
            }
            written += count
        }
        if brokenPipe {
            // The SIGPIPE raised for this thread is pending while blocked; take it off the queue.
            #if !canImport(Darwin)
            var noWait = timespec(tv_sec: 0, tv_nsec: 0)
            _ = sigtimedwait(&pipeSignal, nil, &noWait)
            #endif
        }
    }

    /// Blocks until `pid` has exited, leaving it a zombie: its pid and process group id stay
    /// reserved until ``reap(_:)``, so signalling the group meanwhile cannot hit a stranger.
    static func awaitExitWithoutReaping(_ pid: pid_t) {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 {
            guard errno == EINTR else { return }
        }
    }

    /// Collects the exit status of `pid`; nil if it cannot be had (someone else reaped it).
    static func reap(_ pid: pid_t) -> ProcessStatus? {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return nil }
        }
        // The WIFEXITED/WTERMSIG macros are not imported into Swift; this is their definition.
        let signal = status & 0x7F
        if signal == 0 { return .exited((status >> 8) & 0xFF) }
        return .signalled(signal)
    }
}
