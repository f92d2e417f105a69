import Foundation
import QACtlTestSupport

/// A finished process: exit status and what it printed.
struct Finished: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }
}

/// Runs `executable` to completion on a thread of its own; output goes through
/// files, so a chatty build cannot fill a pipe.
func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) async throws -> Finished {
    try await blocking {
        let directory = TemporaryDirectory()
        let outPath = directory.path + "/stdout", errPath = directory.path + "/stderr"
        let (out, err) = (open(outPath, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644), open(errPath, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644))
        defer { close(out); close(err) }
        guard out >= 0, err >= 0 else { throw TestFailure("cannot create \(outPath) or \(errPath)") }
        let process = try SpawnedProcess(
            executable, arguments, environment: environment, standardOutput: .descriptor(out), standardError: .descriptor(err))
        let ended = process.waitBlocking()
        let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        return Finished(status: ended.status, stdout: read(outPath), stderr: read(errPath))
    }
}

/// The repository root, from this file's path.
let repositoryRoot: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
