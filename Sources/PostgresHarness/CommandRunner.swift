import Foundation
import ProcessSpawning
import Synchronization

/// Runs a program to completion and collects its output, optionally as the
/// `postgres` user (initdb and postgres refuse to run as root).
public enum CommandRunner {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Who a command runs as.
    public enum User: Sendable {
        case current
        /// The `postgres` user through `runuser` when this process is root; the
        /// current user otherwise.
        case clusterOwner
    }

    /// Runs `executable` with `arguments`, feeding `input` on stdin (an empty
    /// one when nil), and waits for it. `environment` adds to this process's
    /// environment and `unsetting` removes names from it. A run past
    /// `timeout` is killed with its process group and throws
    /// `commandTimedOut` with what it printed: a hung program fails its
    /// caller instead of hanging it.
    public static func run(
        _ executable: String, _ arguments: [String], as user: User = .current, input: String? = nil,
        directory: String? = nil, environment: [String: String] = [:], unsetting: [String] = [], timeout: Duration = .seconds(600)
    ) throws -> Output {
        let process = try spawn(
            executable, arguments, as: user, directory: directory, environment: environment, unsetting: unsetting,
            standardInput: input == nil ? .null : .pipe, standardOutput: .pipe, standardError: .pipe)
        let watchdog = Watchdog(process, after: timeout)
        defer { watchdog.cancel() }
        // Drain both pipes while the program runs, so a full pipe never stalls it.
        let printed = ProcessOutput(of: process)
        if let input {
            process.writeInput(Array(input.utf8))
            process.closeInput()
        }
        let ended = process.waitBlocking()
        printed.waitUntilEnd()
        let output = Output(status: ended.status, stdout: printed.standardOutput, stderr: printed.standardError)
        if watchdog.fired {
            let name = (executable as NSString).lastPathComponent
            throw PostgresHarnessError(
                .commandTimedOut,
                "\(name) \(arguments.joined(separator: " ")) did not finish within \(timeout) and was killed; it printed:\n"
                    + "\(output.stdout.suffix(2000))\n\(output.stderr.suffix(2000))")
        }
        return output
    }

    /// Like `run`, but throws `commandFailed` with the program's stderr unless it exits 0.
    @discardableResult
    public static func check(
        _ executable: String, _ arguments: [String], as user: User = .current, input: String? = nil, directory: String? = nil
    ) throws -> String {
        let output = try run(executable, arguments, as: user, input: input, directory: directory)
        guard output.status == 0 else {
            let name = (executable as NSString).lastPathComponent
            throw PostgresHarnessError(
                .commandFailed,
                "\(name) exited with \(output.status): \(output.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return output.stdout
    }

    /// Starts `executable` as `user` (for long-running servers too), with this process's
    /// environment less its `PG*` variables and `unsetting`, plus `environment`.
    static func spawn(
        _ executable: String, _ arguments: [String], as user: User, directory: String? = nil, environment: [String: String] = [:],
        unsetting: [String] = [], standardInput: SpawnedProcess.Stream, standardOutput: SpawnedProcess.Stream,
        standardError: SpawnedProcess.Stream
    ) throws -> SpawnedProcess {
        var merged = ProcessInfo.processInfo.environment
        // The PG* variables of whoever runs the tests must not redirect the harness's own commands.
        for key in merged.keys where key.hasPrefix("PG") { merged[key] = nil }
        for key in unsetting { merged[key] = nil }
        merged.merge(environment) { _, new in new }
        let command = if case .clusterOwner = user, geteuid() == 0 {
            (try runuser(), ["-u", "postgres", "--", executable] + arguments)
        } else {
            (executable, arguments)
        }
        return try SpawnedProcess(
            command.0, command.1, environment: merged, directory: directory,
            standardInput: standardInput, standardOutput: standardOutput, standardError: standardError)
    }

    /// Where `runuser` is (util-linux; on every Debian system).
    static func runuser() throws -> String {
        for path in ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        throw PostgresHarnessError(.noPostgresUser, "running as root needs runuser (apt-get install util-linux) to start PostgreSQL as 'postgres'")
    }
}

/// Kills a process and its process group (each child is started in a group of
/// its own) once `after` has passed, unless cancelled first.
final class Watchdog: Sendable {
    private let state = Mutex((fired: false, cancelled: false))

    init(_ process: SpawnedProcess, after timeout: Duration) {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { self.fire(process) }
    }

    private func fire(_ process: SpawnedProcess) {
        let fire = state.withLock { state in
            guard !state.cancelled else { return false }
            state.fired = true
            return true
        }
        if fire {
            // The group first: what the child started may hold its pipes after it ended.
            // (Its id is not reused while any member lives.) The child itself only while
            // unreaped, so that a reused pid is never hit.
            kill(-process.pid, SIGKILL)
            process.signal(SIGKILL)
        }
    }

    var fired: Bool { state.withLock { $0.fired } }

    func cancel() { state.withLock { $0.cancelled = true } }
}
