import CProcessShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A child started with `posix_spawn` in a process group of its own, with pipes to its
/// standard input, output and error. The group lets one `kill(-pid, …)` reach everything
/// the command started (a shell's `sleep`, a pipeline), not just the shell.
struct ChildProcess: Sendable {
    /// The child's pid, which is also its process group id.
    let pid: pid_t
    /// The parent's ends of the three pipes, all close-on-exec so that no other child inherits them.
    let stdin: Int32
    let stdout: Int32
    let stderr: Int32

    /// Why a child could not be started.
    struct SpawnError: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `/bin/sh -c command`. Only `command` reaches the command line; whatever the
    /// child is to read goes through ``stdin``.
    static func spawnShell(_ command: String) throws -> ChildProcess {
        let input = try makePipe()
        let output: (read: Int32, write: Int32)
        let errors: (read: Int32, write: Int32)
        do {
            output = try makePipe()
        } catch {
            closeAll([input.read, input.write])
            throw error
        }
        do {
            errors = try makePipe()
        } catch {
            closeAll([input.read, input.write, output.read, output.write])
            throw error
        }
        let childEnds = [input.read, output.write, errors.write]
        let parentEnds = [input.write, output.read, errors.read]

        let pid: pid_t
        do {
            pid = try spawn(["/bin/sh", "-c", command], stdin: input.read, stdout: output.write, stderr: errors.write)
        } catch {
            closeAll(childEnds + parentEnds)
            throw error
        }
        closeAll(childEnds)
        return ChildProcess(pid: pid, stdin: input.write, stdout: output.read, stderr: errors.read)
    }

    private static func spawn(_ arguments: [String], stdin: Int32, stdout: Int32, stderr: Int32) throws -> pid_t {
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

        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        var flags = Int32(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        #if canImport(Darwin)
        // Every descriptor not named above is closed in the child.
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #else
        // Descriptors some library opened without close-on-exec must not leak into the command.
        _ = qactl_spawn_add_close_from(&actions, 3)
        #endif
        posix_spawnattr_setflags(&attributes, Int16(flags))
        posix_spawnattr_setpgroup(&attributes, 0)

        // The server may block signals in the spawning thread, and service lifecycles ignore
        // SIGTERM/SIGINT to catch them another way; ignored signals survive exec, and a
        // command that ignores SIGTERM could only be stopped with SIGKILL.
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw SpawnError(description: "posix_spawn \(arguments[0]) failed: \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// A pipe whose two ends are close-on-exec and above 2, so that the `dup2` onto 0, 1 and 2
    /// in the child always yields inheritable descriptors even when the server runs with its
    /// own standard streams closed.
    private static func makePipe() throws -> (read: Int32, write: Int32) {
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
