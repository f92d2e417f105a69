import CProcessShims
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with `posix_spawn`, which inherits no descriptor but
/// its three standard streams, and whose exit is learnt from `waitpid`.
///
/// Why not Foundation's `Process` on Linux: it learns of a child's exit when a
/// socket it created unspawned reaches end of file, and it closes the parent's
/// other descriptors in the child from a list made before spawning. A second
/// thread spawning at the same moment can hand that socket (or a pipe) to its
/// own child; the first child then looks alive, or its output never ends, for as
/// long as the second one runs (a PostgreSQL server, a browser: minutes). Here
/// every descriptor the parent makes is close-on-exec from the start, the child
/// closes everything from 3 up, and `waitpid` answers for this pid alone.
///
/// ```swift
/// let child = try SpawnedProcess("/usr/bin/env", ["true"], standardOutput: .pipe)
/// PipeFollower.follow(descriptor: child.standardOutput!) { print($0) }
/// let ended = await child.wait()   // .exited(0)
/// ```
public final class SpawnedProcess: Sendable {
    /// What one of the child's standard streams is.
    public enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// This process's own stream.
        case inherit
        /// A new pipe; the parent's end is ``standardInput``, ``standardOutput`` or ``standardError``.
        case pipe
        /// A descriptor of this process (a terminal, a log file), duplicated in the child.
        case descriptor(Int32)
    }

    /// How the child ended.
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        /// The exit status, or the signal's number (Foundation's `terminationStatus`).
        public var status: Int32 {
            switch self {
            case .exited(let code): code
            case .signalled(let signal): signal
            }
        }

        public var description: String {
            switch self {
            case .exited(let code): "exit status \(code)"
            case .signalled(let signal): "signal \(signal)"
            }
        }
    }

    /// Why a child could not be started.
    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The child's pid; with `newProcessGroup`, also its process group's id.
    public let pid: pid_t
    /// The parent's end of each `.pipe` stream; the caller reads them (``PipeFollower``)
    /// and closes them. Standard input's is closed by ``closeInput()``.
    public let standardOutput: Int32?
    public let standardError: Int32?
    private let input: Mutex<Int32?>
    private let ended = Mutex<Termination?>(nil)

    /// Starts `executable` (a path) with `arguments`. `environment` is the whole
    /// environment (this process's when nil); `directory` the working directory.
    /// With `newProcessGroup`, `kill(-pid, …)` reaches whatever the child starts.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        standardInput: Stream = .null, standardOutput: Stream = .inherit, standardError: Stream = .inherit,
        newProcessGroup: Bool = true
    ) throws {
        var opened: [Int32] = []
        var childEnds: [Int32] = []
        func end(_ stream: Stream, forChild: Bool) throws -> (child: Int32?, parent: Int32?) {
            switch stream {
            case .null, .inherit: return (nil, nil)
            case .descriptor(let fd): return (fd, nil)
            case .pipe:
                let pipe = try Self.makePipe()
                opened += [pipe.read, pipe.write]
                let (child, parent) = forChild ? (pipe.read, pipe.write) : (pipe.write, pipe.read)
                childEnds.append(child)
                return (child, parent)
            }
        }
        do {
            let stdin = try end(standardInput, forChild: true)
            let stdout = try end(standardOutput, forChild: false)
            let stderr = try end(standardError, forChild: false)
            pid = try Self.spawn(
                executable, arguments, environment: environment, directory: directory,
                streams: [(standardInput, stdin.child), (standardOutput, stdout.child), (standardError, stderr.child)],
                newProcessGroup: newProcessGroup)
            Self.closeAll(childEnds)
            input = Mutex(stdin.parent)
            self.standardOutput = stdout.parent
            self.standardError = stderr.parent
        } catch {
            Self.closeAll(opened)
            throw error
        }
    }

    // MARK: Input

    /// Writes all of `bytes` to a `.pipe` standard input; false once the child stopped reading.
    /// Blocks while the child does not read (holding off ``closeInput()`` meanwhile).
    /// (SIGPIPE is ignored from the first call on, so a child that exits early gives EPIPE
    /// here instead of killing this process.)
    @discardableResult
    public func writeInput(_ bytes: [UInt8]) -> Bool {
        _ = Self.brokenPipeIgnored
        return input.withLock { fd in
            guard let fd else { return false }
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }

    /// Hands a `.pipe` standard input's descriptor over to the caller, who writes and closes it.
    public func takeInput() -> Int32? {
        input.withLock { fd in
            defer { fd = nil }
            return fd
        }
    }

    /// Closes a `.pipe` standard input: the child reads end of file.
    public func closeInput() {
        input.withLock { fd in
            if let open = fd { close(open) }
            fd = nil
        }
    }

    private static let brokenPipeIgnored: Void = ignoreBrokenPipe()

    /// Standard input ends with this object; the child is not reaped here (a caller
    /// may `waitpid` the pid itself) nor killed.
    deinit {
        closeInput()
    }

    // MARK: Exit

    /// How the child ended; nil while it runs. Never blocks.
    public var termination: Termination? {
        ended.withLock { ended in
            if ended == nil { ended = Self.reap(pid) }
            return ended
        }
    }

    public var isRunning: Bool { termination == nil }

    /// Waits for the child to end, polling without holding a thread. A cancelled
    /// caller still waits (the pause is a task of its own), at the same pace.
    public func wait(polling interval: Duration = .milliseconds(10)) async -> Termination {
        while true {
            if let termination { return termination }
            await Task.detached { try? await Task.sleep(for: interval) }.value
        }
    }

    /// Waits for the child to end on this thread (for synchronous harness code).
    public func waitBlocking() -> Termination {
        while true {
            if let termination { return termination }
            usleep(5_000)
        }
    }

    /// Sends `signal` to the child while it runs (never to a pid reused after it ended).
    public func signal(_ signal: Int32) {
        ended.withLock { ended in
            if ended == nil { ended = Self.reap(pid) }
            if ended == nil { kill(pid, signal) }
        }
    }

    private static func reap(_ pid: pid_t) -> Termination? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == 0 { return nil }
            if result < 0 {
                if errno == EINTR { continue }
                // ECHILD: nothing left to wait for (reaped elsewhere); report it as ended.
                return .exited(-1)
            }
            let low = status & 0x7f
            return low == 0 ? .exited((status >> 8) & 0xff) : .signalled(low)
        }
    }

    // MARK: Spawning

    private static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String]?, directory: String?,
        streams: [(Stream, Int32?)], newProcessGroup: Bool
    ) throws -> pid_t {
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t?
        var attributes: posix_spawnattr_t?
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        for (target, (stream, fd)) in streams.enumerated() {
            switch stream {
            case .inherit: break
            case .null: posix_spawn_file_actions_addopen(&actions, Int32(target), "/dev/null", O_RDWR, 0)
            case .pipe, .descriptor: if let fd { posix_spawn_file_actions_adddup2(&actions, fd, Int32(target)) }
            }
        }
        if let directory {
            let result = qactl_spawn_add_chdir(&actions, directory)
            guard result == 0 else { throw SpawnError(description: "cannot start \(executable) in \(directory): \(String(cString: strerror(result)))") }
        }
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newProcessGroup { flags |= Int32(POSIX_SPAWN_SETPGROUP) }
        #if canImport(Darwin)
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #else
        // Descriptors some library opened without close-on-exec must not leak into the child.
        let closing = qactl_spawn_add_close_from(&actions, 3)
        guard closing == 0 else {
            throw SpawnError(description: "cannot start \(executable) without leaking descriptors: \(String(cString: strerror(closing)))")
        }
        #endif
        posix_spawnattr_setflags(&attributes, Int16(flags))
        posix_spawnattr_setpgroup(&attributes, 0)
        // The spawning thread may block signals, and signal watchers ignore SIGTERM/SIGINT to
        // catch them another way; both survive exec, and a child that ignores SIGTERM could
        // only be stopped with SIGKILL.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for entry in envp ?? [] { free(entry) } }
        var pid: pid_t = 0
        let result = envp.map { posix_spawn(&pid, executable, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// See ``CloseOnExecPipe``: a pipe whose two ends are close-on-exec and above 2, so that the `dup2` onto 0, 1 and 2
    /// in the child always yields inheritable descriptors, even in a parent started with
    /// its own standard streams closed.
    static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard qactl_pipe_cloexec(&fds) == 0 else { throw SpawnError(description: "pipe failed: \(String(cString: strerror(errno)))") }
        for index in fds.indices where fds[index] < 3 {
            let moved = fcntl(fds[index], F_DUPFD_CLOEXEC, 3)
            guard moved >= 0 else {
                closeAll(fds)
                throw SpawnError(description: "fcntl failed: \(String(cString: strerror(errno)))")
            }
            close(fds[index])
            fds[index] = moved
        }
        return (fds[0], fds[1])
    }

    static func closeAll(_ fds: [Int32]) {
        for fd in fds where fd >= 0 { close(fd) }
    }
}

private func ignoreBrokenPipe() {
    signal(SIGPIPE, SIG_IGN)
}

/// A pipe whose ends no child inherits unless it is handed one as a
/// ``SpawnedProcess/Stream/descriptor(_:)`` (to give two streams one pipe, say).
/// The caller closes both ends.
public struct CloseOnExecPipe: Sendable {
    public let readEnd: Int32
    public let writeEnd: Int32

    public init() throws {
        (readEnd, writeEnd) = try SpawnedProcess.makePipe()
    }
}
