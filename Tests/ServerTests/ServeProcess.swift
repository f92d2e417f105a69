import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// A real `qactl serve` process on a free port, with its own data dir.
final class ServeProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched from the test that owns this value.
    let dataDirectory: String
    let process: Process
    let baseURL: String
    private let output: OutputBuffer
    private let errors: OutputBuffer

    static var executable: String {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("qactl").path), url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url.appendingPathComponent("qactl").path
    }

    private init(dataDirectory: String, process: Process, baseURL: String, output: OutputBuffer, errors: OutputBuffer) {
        self.errors = errors
        self.dataDirectory = dataDirectory
        self.process = process
        self.baseURL = baseURL
        self.output = output
    }

    /// Starts `qactl serve --listen 127.0.0.1:0` and waits for its listening line.
    static func start(dataDirectory: String, arguments: [String] = ["--sync-secret", "s3cret"]) async throws -> ServeProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        let level = arguments.contains("--log-level") ? [] : ["--log-level", "warning"]
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--data-dir", dataDirectory] + level + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        let stderr = Pipe()
        process.standardError = stderr
        let output = OutputBuffer()
        let errors = OutputBuffer()
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
            } else {
                errors.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
            } else {
                output.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = output.text.withLock { $0 }
            // Only a whole line: the port may arrive in pieces.
            if let range = text.range(of: #"listening on http://[^\s]+\n"#, options: .regularExpression) {
                let url = String(text[range].dropFirst("listening on ".count).dropLast())
                return ServeProcess(dataDirectory: dataDirectory, process: process, baseURL: url, output: output, errors: errors)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.terminate()
        throw TestFailure("qactl serve did not start: \(output.text.withLock { $0 }) \(errors.text.withLock { $0 })")
    }

    var stdout: String { output.text.withLock { $0 } }
    /// What the server logged.
    var stderr: String { errors.text.withLock { $0 } }

    /// Sends `signal` and waits for the process to exit; returns its exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async throws -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.interrupt()
                kill(process.processIdentifier, SIGKILL)
                throw TestFailure("qactl serve did not exit within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Collects a process's standard output as it arrives.
final class OutputBuffer: Sendable {
    let text = Mutex("")
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A temp dir for one test, removed afterwards.
final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "/qactl-serve-XXXXXX").utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// One HTTP exchange, read whole.
struct HTTPAnswer {
    let status: Int
    let headers: [String: String]
    let body: String

    /// The body as a JSON array of message objects.
    var messages: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]) ?? []
    }

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
    }

    /// Change messages only (no control messages).
    var changes: [[String: Any]] { messages.filter { $0["key"] != nil } }

    var controls: [String] {
        messages.compactMap { ($0["headers"] as? [String: Any])?["control"] as? String }
    }

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

enum HTTP {
    static func send(_ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: String? = nil, timeout: Duration = .seconds(40)) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
        var buffer = try await response.body.collect(upTo: 256 << 20)
        var headerMap: [String: String] = [:]
        for header in response.headers { headerMap[header.name.lowercased()] = header.value }
        return HTTPAnswer(status: Int(response.status.code), headers: headerMap, body: buffer.readString(length: buffer.readableBytes) ?? "")
    }
}
