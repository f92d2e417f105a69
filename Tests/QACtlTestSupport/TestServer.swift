import Foundation
import PostgresHarness
@_exported import ProcessSpawning
import Synchronization

/// A real `qactl serve` process with its own data dir, restartable on the same port.
///
/// The binary is `$QACTL_BINARY`, else the `qactl` found next to (or above) the
/// test bundle, as SwiftPM builds it for the package's own test run.
public final class TestServer: Sendable {
    struct Running {
        var process: SpawnedProcess
        var baseURL: String
        var port: Int
    }

    public let dataDirectory: String
    public let arguments: [String]
    private let running: Mutex<Running?>
    /// Added to the inherited environment at each launch.
    private let environment: Mutex<[String: String]>
    /// What the latest launch printed (kept after it stopped).
    private let printed = Mutex<ProcessOutput?>(nil)

    public static var executable: String {
        if let path = ProcessInfo.processInfo.environment["QACTL_BINARY"], !path.isEmpty { return path }
        return BuiltProducts.find("qactl") ?? "qactl"
    }

    private init(dataDirectory: String, arguments: [String], environment: [String: String]) {
        self.dataDirectory = dataDirectory
        self.arguments = arguments
        self.running = Mutex(nil)
        self.environment = Mutex(environment)
    }

    /// Starts `qactl serve --listen 127.0.0.1:0` on `dataDirectory`, with
    /// `environment` added to this process's.
    public static func start(dataDirectory: String, arguments: [String] = [], environment: [String: String] = [:]) async throws -> TestServer {
        let server = TestServer(dataDirectory: dataDirectory, arguments: arguments, environment: environment)
        try await server.launch(port: 0)
        return server
    }

    public var baseURL: String { running.withLock { $0?.baseURL ?? "" } }

    /// `path` on this server with `parameters` as its (percent-encoded) query.
    public func url(_ path: String, _ parameters: [(String, String)]) -> String {
        var components = URLComponents(string: baseURL + path)!
        components.queryItems = parameters.map { URLQueryItem(name: $0.0, value: $0.1) }
        return components.url!.absoluteString
    }
    public var port: Int { running.withLock { $0?.port ?? 0 } }
    /// The server's process id while it runs.
    public var pid: Int32? { running.withLock { $0?.process.pid } }

    private func launch(port: Int) async throws {
        try await StartGate.servers.admitted { try await launchAdmitted(port: port) }
    }

    private func launchAdmitted(port: Int) async throws {
        let level = arguments.contains("--log-level") ? [] : ["--log-level", "warning"]
        let extra = environment.withLock { $0 }
        let process = try SpawnedProcess(
            Self.executable, ["serve", "--listen", "127.0.0.1:\(port)", "--data-dir", dataDirectory] + level + arguments,
            environment: ProcessInfo.processInfo.environment.merging(extra) { $1 },
            standardOutput: .pipe, standardError: .pipe)
        printed.withLock { $0 = ProcessOutput(of: process) }
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let text = stdout
            if let range = text.range(of: #"listening on http://[^\s]+\n"#, options: .regularExpression) {
                let url = String(text[range].dropFirst("listening on ".count).dropLast())
                let port = Int(url.split(separator: ":").last ?? "") ?? 0
                running.withLock { $0 = Running(process: process, baseURL: url, port: port) }
                return
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.signal(SIGKILL)
        throw TestFailure("qactl serve did not start: \(stdout) \(stderr)")
    }

    /// What the server printed on stdout (the listening lines) and logged on stderr.
    public var stdout: String { printed.withLock { $0?.standardOutput ?? "" } }
    public var stderr: String { printed.withLock { $0?.standardError ?? "" } }

    /// Sends `signal` (SIGTERM), waits for the exit and returns the exit status.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async throws -> Int32 {
        guard let process = running.withLock({ $0?.process }) else { return 0 }
        process.signal(signal)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.signal(SIGKILL)
                throw TestFailure("qactl serve did not exit within \(timeout); its log ends:\n\(stderr.suffix(3000))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // Its last log lines, once the pipes end (a few seconds at most: nothing else holds them).
        await printed.withLock { $0 }?.waitUntilEnd(within: .seconds(5))
        return process.termination?.status ?? -1
    }

    /// Stops (if running) and starts again on the same port and data dir;
    /// `environment`, when given, replaces the added environment.
    public func restart(environment: [String: String]? = nil) async throws {
        let port = self.port
        try await stop()
        if let environment { self.environment.withLock { $0 = environment } }
        var lastError: (any Error)?
        // The port was just released; give the kernel a few tries to hand it back.
        for _ in 0..<20 {
            do {
                try await launch(port: port)
                return
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(250))
            }
        }
        throw lastError ?? TestFailure("restart failed")
    }

    /// An auth token for `user`, minted by `qactl token mint auth` with this data dir's keys.
    public func authToken(_ user: String) async throws -> String {
        try await mintAuthToken(user, dataDirectory: dataDirectory)
    }

    deinit {
        running.withLock { $0?.process.signal(SIGKILL) }
    }
}

/// An auth token for `user` signed with `dataDirectory`'s key, by `qactl token mint auth`
/// (waited for on a thread of its own: many tests mint at once when a run begins).
public func mintAuthToken(_ user: String, dataDirectory: String) async throws -> String {
    try await blocking { try mintAuthTokenNow(user, dataDirectory: dataDirectory) }
}

private func mintAuthTokenNow(_ user: String, dataDirectory: String) throws -> String {
    let run = try CommandRunner.run(
        TestServer.executable, ["token", "mint", "auth", "--sub", user, "--data-dir", dataDirectory], timeout: .seconds(60))
    let token = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    guard run.status == 0, !token.isEmpty else { throw TestFailure("qactl token mint auth failed: \(run.stderr)") }
    return token
}

/// Executables SwiftPM built next to (or above) the test bundle.
public enum BuiltProducts {
    public static func find(_ name: String) -> String? {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while url.path != "/" {
            let candidate = url.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            url.deleteLastPathComponent()
        }
        return nil
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A temp dir for one test, removed afterwards.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init() {
        path = NSTemporaryDirectory() + "/qactl-test-" + UUID().uuidString.lowercased()
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Waits until `condition` holds, polling; fails with `message` after `timeout`.
public func eventually(
    _ message: @autoclosure () -> String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw TestFailure("timed out: \(message())")
}

/// Runs blocking work (psql, pg_ctl, initdb) on a thread of its own, off the
/// cooperative pool.
public func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
