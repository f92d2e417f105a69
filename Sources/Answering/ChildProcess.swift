import ProcessSpawning

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

    /// Starts `/bin/sh -c command`. Only `command` reaches the command line; whatever the
    /// child is to read goes through ``stdin``. The caller reaps the child (`waitpid`).
    static func spawnShell(_ command: String) throws -> ChildProcess {
        let child = try SpawnedProcess("/bin/sh", ["-c", command], standardInput: .pipe, standardOutput: .pipe, standardError: .pipe)
        guard let stdin = child.takeInput(), let stdout = child.standardOutput, let stderr = child.standardError else {
            preconditionFailure("three .pipe streams give three descriptors")
        }
        return ChildProcess(pid: child.pid, stdin: stdin, stdout: stdout, stderr: stderr)
    }
}
