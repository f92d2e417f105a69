import ArgumentParser
import Foundation

/// Exit codes of cli.md.
enum ExitStatus {
    static let failure = ExitCode(1)
    static let usage = ExitCode(2)
    static let refused = ExitCode(3)
    static let timedOut = ExitCode(4)
}

/// A one-line diagnostic on stderr, then the exit code to throw.
func fail(_ message: String, exit code: ExitCode = ExitStatus.failure) -> ExitCode {
    FileHandle.standardError.write(Data("qactl: \(message)\n".utf8))
    return code
}

/// Prints one line to stdout.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
