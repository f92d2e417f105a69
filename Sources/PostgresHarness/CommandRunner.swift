import Foundation

/// Runs a program to completion and collects its output, optionally as the
/// `postgres` user (initdb and postgres refuse to run as root).
enum CommandRunner {
    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Who a command runs as.
    enum User: Sendable {
        case current
        /// The `postgres` user through `runuser` when this process is root; the
        /// current user otherwise.
        case clusterOwner
    }

    /// Runs `executable` with `arguments`, feeding `input` on stdin, and waits for it.
    static func run(
        _ executable: String, _ arguments: [String], as user: User = .current, input: String? = nil,
        directory: String? = nil, environment: [String: String] = [:]
    ) throws -> Output {
        let process = try makeProcess(executable, arguments, as: user, directory: directory, environment: environment)
        let stdout = Pipe()
        let stderr = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        // Drain both pipes while the program runs, so a full pipe never stalls it.
        let outBox = DataBox()
        let errBox = DataBox()
        let group = DispatchGroup()
        for (pipe, box) in [(stdout, outBox), (stderr, errBox)] {
            DispatchQueue.global().async(group: group) { box.data = pipe.fileHandleForReading.readDataToEndOfFile() }
        }
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }
        process.waitUntilExit()
        group.wait()
        return Output(
            status: process.terminationStatus,
            stdout: String(decoding: outBox.data, as: UTF8.self),
            stderr: String(decoding: errBox.data, as: UTF8.self))
    }

    /// Like `run`, but throws `commandFailed` with the program's stderr unless it exits 0.
    @discardableResult
    static func check(
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

    /// A configured, not yet started process (for long-running servers).
    static func makeProcess(
        _ executable: String, _ arguments: [String], as user: User, directory: String? = nil, environment: [String: String] = [:]
    ) throws -> Process {
        let process = Process()
        if case .clusterOwner = user, geteuid() == 0 {
            process.executableURL = URL(fileURLWithPath: try runuser())
            process.arguments = ["-u", "postgres", "--", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var merged = ProcessInfo.processInfo.environment
        // The PG* variables of whoever runs the tests must not redirect the harness's own commands.
        for key in merged.keys where key.hasPrefix("PG") { merged[key] = nil }
        merged.merge(environment) { _, new in new }
        process.environment = merged
        return process
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

/// Bytes one reader thread fills in. `@unchecked Sendable` is safe because
/// exactly one `DispatchQueue` block writes `data`, and the only reader waits
/// for that block with `DispatchGroup.wait()` first, which orders the accesses.
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
