import Foundation
import QACtlTestSupport
import Synchronization

/// Runs the built `qactl` as a real process: real argv, stdin, stdout, stderr, exit code.
struct QACtlProcess {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The directory holding the built products (`qactl`, the test bundle, …).
    static let productsDirectory: URL = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        // On some platforms the test binary sits inside a bundle.
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("qactl").path), url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url
    }()

    static var executable: String { productsDirectory.appendingPathComponent("qactl").path }

    /// The repository root, for checking committed files.
    static let repositoryRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Runs `qactl arguments` to its end. A run past `timeout` is killed with its
    /// process group and throws, so a hang fails the test instead of the whole run.
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], timeout: Duration = .seconds(300)) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "QACTL_DATA_DIR")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let output = Pipe(), errors = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        let watchdog = Watchdog(pid: process.processIdentifier, after: timeout)
        defer { watchdog.cancel() }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes concurrently so a chatty process cannot block on a full pipe.
        nonisolated(unsafe) var errorData = Data()
        let reader = Thread { errorData = errors.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        if watchdog.fired {
            throw TestFailure("qactl \(arguments.joined(separator: " ")) did not finish within \(timeout); it printed:\n\(String(decoding: outData, as: UTF8.self).suffix(2000))\n\(String(decoding: errorData, as: UTF8.self).suffix(2000))")
        }
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errorData, as: UTF8.self))
    }
}

/// Kills a process and its process group (Foundation starts each child in a
/// group of its own) once `after` has passed, unless cancelled first.
final class Watchdog: Sendable {
    private let state = Mutex((fired: false, cancelled: false))

    init(pid: pid_t, after timeout: Duration) {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { self.fire(pid) }
    }

    private func fire(_ pid: pid_t) {
        let fire = state.withLock { state in
            guard !state.cancelled else { return false }
            state.fired = true
            return true
        }
        if fire {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
    }

    var fired: Bool { state.withLock { $0.fired } }

    func cancel() { state.withLock { $0.cancelled = true } }
}

/// A temp dir for one test, removed afterwards.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "/qactl-cli-XXXXXX").utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
