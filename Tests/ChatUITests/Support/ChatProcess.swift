import Foundation
import PostgresHarness
import Synchronization
import QACtlTestSupport

/// Runs `qactl chat` as a real process: `$QACTL_CHAT_DRIVER` when set (a
/// stand-in executable that calls ChatUI exactly as `ChatCommand` does), else a
/// built `chat-driver`, else `qactl chat`.
enum ChatProcess {
    struct Result: Sendable {
        let status: Int32
        let standardOutput: String
        let standardError: String

        var lines: [String] { standardOutput.split(separator: "\n").map(String.init) }

        /// The stdout lines parsed as JSON objects (the others are skipped).
        var objects: [[String: Any]] {
            lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
    }

    static var command: [String] {
        if let driver = ProcessInfo.processInfo.environment["QACTL_CHAT_DRIVER"], !driver.isEmpty { return [driver] }
        if let driver = BuiltProducts.find("chat-driver") { return [driver] }
        return [TestServer.executable, "chat"]
    }

    /// The environment of the tests, without the chat's own variables (so the
    /// options under test are the only ones), plus `extra`.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("QACTL_") && $0.key != "NO_COLOR" }
        for (name, value) in extra { environment[name] = value }
        return environment
    }

    /// Runs the chat with `arguments`, `input` on stdin (nothing when nil), to
    /// completion; `signal`, when given, is sent once stdout shows its text.
    static func run(
        _ arguments: [String], input: String? = nil, environment extra: [String: String] = [:], timeout: Duration = .seconds(60),
        signal: (afterOutput: String, number: Int32)? = nil
    ) async throws -> Result {
        let command = Self.command
        let process = try SpawnedProcess(
            command[0], Array(command.dropFirst()) + arguments, environment: environment(extra),
            standardInput: input == nil ? .null : .pipe, standardOutput: .pipe, standardError: .pipe)
        let printed = ProcessOutput(of: process)
        if let input {
            process.writeInput(Array(input.utf8))
            process.closeInput()
        }
        let deadline = ContinuousClock.now + timeout
        var signalled = signal == nil
        while process.isRunning {
            if !signalled, let signal, printed.standardOutput.contains(signal.afterOutput) {
                process.signal(signal.number)
                signalled = true
            }
            if ContinuousClock.now > deadline {
                process.signal(SIGTERM)
                throw TestFailure("qactl chat \(arguments.joined(separator: " ")) did not exit within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        // The last bytes: the pipes end when the chat (and anything it left running) is gone.
        try await blocking { printed.waitUntilEnd() }
        return Result(status: process.termination?.status ?? -1, standardOutput: printed.standardOutput, standardError: printed.standardError)
    }
}

/// Bytes collected from another thread.
final class ByteBuffer: Sendable {
    private let storage = Mutex(Data())

    func append(_ data: Data) { storage.withLock { $0.append(data) } }
    func clear() { storage.withLock { $0 = Data() } }
    var data: Data { storage.withLock { $0 } }
    var text: String { String(decoding: data, as: UTF8.self) }
}
