import ArgumentParser
import Foundation
import LocalSetup

/// A one-line diagnostic on stderr, then the exit code to throw.
func fail(_ message: String, exit status: ExitStatus = .failure) -> ExitCode {
    warn(message)
    return ExitCode(status.rawValue)
}

/// A one-line diagnostic on stderr, for a failure the command carries on after.
func warn(_ message: String) {
    FileHandle.standardError.write(Data("qactl: \(message)\n".utf8))
}

/// Prints one line to stdout.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
