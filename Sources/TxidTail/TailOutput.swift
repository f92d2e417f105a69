import Foundation

/// Where a tail writes: lines on standard output, notes (diagnostics, status) on standard error.
public protocol TailOutput: Sendable {
    /// One line of output (a transaction, a summary, a JSON object). Throwing
    /// means the output is gone for good: the tail stops, cleaning up as on a signal.
    func line(_ text: String) throws
    /// One diagnostic or status line.
    func note(_ text: String)
}

/// The process's stdout and stderr, written unbuffered so that every line
/// reaches a pipe as soon as it is printed.
///
/// A write to a closed pipe (`qactl tail-txid | head -3`) throws (SIGPIPE is
/// ignored while a tail runs), and that stops the tail.
public struct StandardTailOutput: TailOutput {
    public init() {}

    public func line(_ text: String) throws {
        try FileHandle.standardOutput.write(contentsOf: Data((text + "\n").utf8))
    }

    public func note(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data(("tail-txid: " + text + "\n").utf8))
    }
}

/// A line that renders as text for people or as one JSON object.
public protocol TailLineRepresentable: Sendable {
    /// The line for people; ANSI colour when `color`.
    func text(color: Bool) -> String
    /// The line as one JSON object with a `type` field.
    var json: String { get }
}

/// Writes lines in the chosen format; stops the tail when the output is gone.
struct TailPrinter: Sendable {
    let format: TailOptions.Format
    let output: any TailOutput
    let stop: TailStop

    func emit(_ line: some TailLineRepresentable) {
        switch format {
        case .json: write(line.json)
        case .text(let color): write(line.text(color: color))
        }
    }

    private func write(_ text: String) {
        do {
            try output.line(text)
        } catch {
            stop.stop(.outputClosed)
        }
    }

    /// The tail is following: with `--json` a `ready` object on stdout (so a
    /// script knows when to start writing), otherwise a note on stderr, so
    /// that stdout stays one line per transaction.
    func ready(_ line: ReadyLine) {
        switch format {
        case .json: write(line.json)
        case .text: output.note(line.text(color: false))
        }
    }

    func note(_ text: String) {
        output.note(text)
    }
}
