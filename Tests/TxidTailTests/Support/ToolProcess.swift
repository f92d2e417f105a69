import Foundation
import ProcessSpawning
import Synchronization

/// A real process (`qactl tail-txid …`, `qactl serve …`) whose stdout and
/// stderr are collected as they arrive, so a test can wait for a line, send
/// a signal and read the exit status.
///
final class ToolProcess: Sendable {
    let process: SpawnedProcess
    private let arguments: [String]
    private let output: ProcessOutput

    /// The directory holding the built products (`qactl` among them).
    static let productsDirectory: URL = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("qactl").path), url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url
    }()

    /// The qactl whose `tail-txid` is under test: the one built with the tests.
    static var qactl: String { productsDirectory.appendingPathComponent("qactl").path }

    /// The qactl that serves: `QACTL_TAIL_SERVER` when set (a separately built
    /// copy), else the one built with the tests.
    static var server: String {
        ProcessInfo.processInfo.environment["QACTL_TAIL_SERVER"].flatMap { $0.isEmpty ? nil : $0 } ?? qactl
    }

    /// Starts `executable` with `arguments`; the environment is this process's
    /// without `QACTL_*` and `NO_COLOR`, plus `environment`.
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("QACTL_") && $0.key != "NO_COLOR" }
        env.merge(environment) { _, new in new }
        self.arguments = arguments
        process = try SpawnedProcess(executable, arguments, environment: env, standardOutput: .pipe, standardError: .pipe)
        output = ProcessOutput(of: process)
    }

    /// `qactl` with `arguments`.
    static func qactl(_ arguments: [String], environment: [String: String] = [:]) throws -> ToolProcess {
        try ToolProcess(qactl, arguments, environment: environment)
    }

    var stdout: String { output.standardOutput }
    var stderr: String { output.standardError }
    /// Whole lines of stdout so far.
    var lines: [String] { Self.wholeLines(stdout) }

    /// The first whole stdout line satisfying `predicate`, waiting up to `timeout`.
    @discardableResult
    func waitForLine(timeout: Duration = .seconds(30), where predicate: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var exited = false
        while ContinuousClock.now < deadline {
            if let line = lines.first(where: predicate) { return line }
            // One more look after exit: the pipe may deliver the last lines late.
            if exited { break }
            exited = !process.isRunning
            try await Task.sleep(for: .milliseconds(exited ? 100 : 20))
        }
        throw ToolFailure("no matching line within \(timeout); exit \(process.termination.map { String($0.status) } ?? "-"); stdout:\n\(stdout)\nstderr:\n\(stderr)")
    }

    /// Waits for stderr to contain `text`.
    func waitForError(_ text: String, timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if stderr.contains(text) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ToolFailure("stderr never contained \(text): \(stderr)")
    }

    /// Closes the reading end of stdout, as `| head -1` does once it has its line.
    func closeStdout() {
        output.closeStandardOutput()
    }

    /// Sends `signal`.
    func send(_ signal: Int32) {
        process.signal(signal)
    }

    /// Waits for the process to exit (killing it after `timeout`) and returns its status.
    func exitStatus(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.signal(SIGKILL)
                throw ToolFailure("\(arguments) did not exit within \(timeout); stdout:\n\(stdout)\nstderr:\n\(stderr)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // The last lines, once the pipes end (a few seconds at most: nothing else holds them).
        await output.waitUntilEnd(within: .seconds(5))
        return process.termination?.status ?? -1
    }

    static func wholeLines(_ text: String) -> [String] {
        var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        parts.removeLast()  // after the last newline: empty, or a partial line
        return parts.filter { !$0.isEmpty }
    }

    deinit {
        process.signal(SIGKILL)
    }
}

/// A test's own failure with a message.
struct ToolFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The JSON object of one `--json` line.
func jsonObject(_ line: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
}

/// A temp dir for one test, removed afterwards.
final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "/qactl-tail-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A JSON number as `UInt64` (JSONSerialization hands numbers over as `NSNumber`).
func number(_ value: Any?) -> UInt64? {
    guard let value = value as? NSNumber, value.int64Value >= 0 else { return nil }
    return value.uint64Value
}
