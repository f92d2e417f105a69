import Foundation
import LocalSetup
import ProcessSpawning
import Synchronization

/// `qactl serve` in a process of its own (this same binary), so that load
/// reaches it from outside over real sockets and its CPU time and memory can
/// be read apart from the load generator's.
final class ServeProcess: Sendable {
    static let secret = "bench-secret"

    let baseURL: String
    let dataDirectory: String
    private let process: SpawnedProcess
    private let errors: TextTail

    private init(baseURL: String, dataDirectory: String, process: SpawnedProcess, errors: TextTail) {
        self.baseURL = baseURL
        self.dataDirectory = dataDirectory
        self.process = process
        self.errors = errors
    }

    var pid: Int32 { process.pid }

    /// Starts `qactl serve` on a free loopback port over a fresh data dir with
    /// `--answerer none` (answers would distort write-path figures) and the
    /// bench's sync secret; `arguments` are added to those.
    static func start(postgresURL: String? = nil, arguments: [String] = [], prepare: ((String) async throws -> Void)? = nil) async throws -> ServeProcess {
        let directory = NSTemporaryDirectory() + "qactl-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Data written into the data dir before the server opens it (a large table).
        try await prepare?(directory)
        var all = ["serve", "--listen", "127.0.0.1:0", "--data-dir", directory, "--log-level", "error", "--answerer", "none",
                   "--sync-secret", secret, "--shape-token-ttl", "2h"]
        if let postgresURL { all += ["--database-url", postgresURL] }
        let process = try SpawnedProcess(
            try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"), all + arguments,
            standardOutput: .pipe, standardError: .pipe)
        let printed = TextTail(), errors = TextTail()
        printed.follow(descriptor: process.standardOutput!)
        errors.follow(descriptor: process.standardError!)
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline, process.isRunning {
            let text = printed.text
            if let range = text.range(of: #"listening on http://[^\s]+\n"#, options: .regularExpression) {
                let url = String(text[range].dropFirst("listening on ".count).dropLast())
                return ServeProcess(baseURL: url, dataDirectory: directory, process: process, errors: errors)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.signal(SIGKILL)
        try? FileManager.default.removeItem(atPath: directory)
        throw BenchmarkError("qactl serve did not start: \(errors.text)")
    }

    /// Runs `body` against a fresh server process, stopped afterwards (also on errors).
    static func with<T>(
        postgresURL: String? = nil, arguments: [String] = [], prepare: ((String) async throws -> Void)? = nil, _ body: (ServeProcess) async throws -> T
    ) async throws -> T {
        let server = try await start(postgresURL: postgresURL, arguments: arguments, prepare: prepare)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            let logged = server.errors.text
            await server.stop()
            throw logged.isEmpty ? error : BenchmarkError("\(error) (server log: \(logged.suffix(600)))")
        }
    }

    func stop() async {
        process.signal(SIGTERM)
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        process.signal(SIGKILL)
        _ = await process.wait()
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    /// An auth token for `user`, signed with the server's own key.
    func authToken(_ user: String) async throws -> String {
        try await LocalUserTokens(user: user, dataDirectory: DataDirectory(dataDirectory)).token()
    }

    /// The server's CPU time and memory now.
    var usage: ProcessUsage { ProcessUsage(pid: pid) }
}

/// CPU seconds and resident memory of a process, from /proc.
struct ProcessUsage: Sendable {
    var cpuSeconds: Double = 0
    var residentBytes: Int = 0
    var peakResidentBytes: Int = 0

    init(pid: Int32) {
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") {
            // Fields after the command name: state is field 3, utime 14, stime 15.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) {
                cpuSeconds = (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
            }
        }
        if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) {
            for line in status.split(separator: "\n") {
                let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard parts.count >= 2, let kilobytes = Int(parts[1]) else { continue }
                if parts[0] == "VmRSS:" { residentBytes = kilobytes * 1024 }
                if parts[0] == "VmHWM:" { peakResidentBytes = kilobytes * 1024 }
            }
        }
    }
}

/// The last few kilobytes a pipe delivered (a long run must not grow the
/// bench's own memory).
final class TextTail: Sendable {
    private let buffer = Mutex("")

    var text: String { buffer.withLock { $0 } }

    func follow(descriptor: Int32) {
        PipeFollower.follow(descriptor: descriptor) { [self] data in
            buffer.withLock { $0 = String(($0 + String(decoding: data, as: UTF8.self)).suffix(4000)) }
        }
    }
}
