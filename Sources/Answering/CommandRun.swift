import Dispatch
import Foundation
import Synchronization
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One run of the answer command: three threads that block in `read`/`write`/`waitid`
/// (never on Swift concurrency's cooperative pool), a timer, and the bookkeeping that reaps
/// the child exactly once and reports the outcome.
final class CommandRun: Sendable {
    /// Why the run was stopped before the command ended by itself.
    enum StopReason: Sendable {
        case timedOut
        case cancelled
        case outputTooLarge
    }

    private struct State {
        var outputClosed = false
        var errorsClosed = false
        var exited = false
        /// Set (under the lock) once the child is about to be reaped; after that its pid may
        /// belong to another process, so nothing may signal it any more.
        var reaped = false
        var stopReason: StopReason?
        var lastErrorLine: String?
        var loggedErrorLines = 0
        var producedText = false
    }

    /// After SIGTERM, a command gets this long to exit before SIGKILL.
    static let killGrace: DispatchTimeInterval = .seconds(2)
    /// Standard error lines logged per run; a command that floods it should not flood the log.
    static let errorLinesLogged = 100

    private let process: ChildProcess
    private let timeout: Duration
    private let maximumOutputBytes: Int
    private let logger: Logger
    private let continuation: AsyncThrowingStream<String, any Error>.Continuation
    private let state = Mutex(State())

    init(
        process: ChildProcess,
        timeout: Duration,
        maximumOutputBytes: Int,
        logger: Logger,
        continuation: AsyncThrowingStream<String, any Error>.Continuation
    ) {
        self.process = process
        self.timeout = timeout
        self.maximumOutputBytes = maximumOutputBytes
        var logger = logger
        logger[metadataKey: "answer-command-pid"] = "\(process.pid)"
        self.logger = logger
        self.continuation = continuation
    }

    /// Feeds `question` to the command and starts watching it.
    func start(question: String) {
        // Line-oriented tools (`read`, many CLIs) expect the input to end with a newline.
        let input = Array((question.hasSuffix("\n") ? question : question + "\n").utf8)
        Self.startThread("qactl answer-command stdin") { self.feedInputThenAwaitExit(input) }
        Self.startThread("qactl answer-command stdout") { self.readOutput() }
        Self.startThread("qactl answer-command stderr") { self.readErrors() }
        let milliseconds = Int(clamping: min(Wording.milliseconds(timeout), Wording.aYear))
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(milliseconds)) {
            self.stop(.timedOut)
        }
    }

    /// Ends the command: SIGTERM to its process group now, SIGKILL after ``killGrace`` if it
    /// is still there. Does nothing once the command has ended.
    func stop(_ reason: StopReason) {
        let signalled = state.withLock { state -> Bool in
            guard !state.reaped, state.stopReason == nil else { return false }
            state.stopReason = reason
            // Under the lock, so that the child cannot be reaped (and its pid reused) meanwhile.
            kill(-process.pid, SIGTERM)
            return true
        }
        guard signalled else { return }
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.killGrace) {
            self.state.withLock { state in
                if !state.reaped { kill(-self.process.pid, SIGKILL) }
            }
        }
    }

    private static func startThread(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.start()
    }

    private func feedInputThenAwaitExit(_ input: [UInt8]) {
        FileDescriptorIO.writeIgnoringBrokenPipe(process.stdin, input)
        close(process.stdin)
        FileDescriptorIO.awaitExitWithoutReaping(process.pid)
        partEnded { $0.exited = true }
    }

    private func readOutput() {
        var decoder = UTF8StreamDecoder()
        var trailingSpace = ""
        var total = 0
        FileDescriptorIO.readUntilEnd(process.stdout) { bytes in
            total += bytes.count
            guard total <= maximumOutputBytes else {
                // Keep reading (and dropping) so the command is not stuck on a full pipe while it is stopped.
                stop(.outputTooLarge)
                return
            }
            emit(decoder.decode(bytes), holdingBack: &trailingSpace)
        }
        // Whitespace at the very end (the final newline of `echo`) is not part of the answer.
        if total <= maximumOutputBytes { emit(decoder.finish(), holdingBack: &trailingSpace) }
        close(process.stdout)
        partEnded { $0.outputClosed = true }
    }

    /// Yields `text`, except trailing whitespace, which waits until more text follows it.
    private func emit(_ text: String, holdingBack trailingSpace: inout String) {
        guard !text.isEmpty else { return }
        let combined = trailingSpace + text
        guard let last = combined.lastIndex(where: { !$0.isWhitespace }) else {
            trailingSpace = combined
            return
        }
        let end = combined.index(after: last)
        trailingSpace = String(combined[end...])
        state.withLock { $0.producedText = true }
        continuation.yield(String(combined[..<end]))
    }

    private func readErrors() {
        var decoder = UTF8StreamDecoder()
        var partial = ""
        FileDescriptorIO.readUntilEnd(process.stderr) { bytes in
            partial += decoder.decode(bytes)
            while let newline = partial.firstIndex(where: \.isNewline) {
                logErrorLine(String(partial[..<newline]))
                partial = String(partial[partial.index(after: newline)...])
            }
            // A command that never ends its line should not make this grow without bound.
            if partial.utf8.count > 16 * 1024 {
                logErrorLine(partial)
                partial = ""
            }
        }
        logErrorLine(partial + decoder.finish())
        close(process.stderr)
        partEnded { $0.errorsClosed = true }
    }

    private func logErrorLine(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return }
        let shortened = trimmed.count > 300 ? String(trimmed.prefix(300)) + "…" : trimmed
        let count = state.withLock { state -> Int in
            state.lastErrorLine = shortened
            state.loggedErrorLines += 1
            return state.loggedErrorLines
        }
        if count <= Self.errorLinesLogged {
            logger.info("answer command: \(trimmed)")
        } else if count == Self.errorLinesLogged + 1 {
            logger.info("answer command: further standard error lines are not logged")
        }
    }

    /// Records that one of the three watchers is done; the last one reaps the child and reports.
    private func partEnded(_ update: (inout State) -> Void) {
        let finished = state.withLock { state -> State? in
            update(&state)
            guard state.outputClosed, state.errorsClosed, state.exited, !state.reaped else { return nil }
            state.reaped = true
            return state
        }
        guard let finished else { return }
        // The leader is a zombie until `waitpid`, which keeps its group id from being reused:
        // this reaches only what the command left running after it closed its output.
        kill(-process.pid, SIGKILL)
        let status = FileDescriptorIO.reap(process.pid)
        report(finished, status: status)
    }

    private func report(_ state: State, status: ProcessStatus?) {
        let detail = state.lastErrorLine.map { ": \($0)" } ?? ""
        let failure: AnswerFailure?
        switch (state.stopReason, status) {
        case (.cancelled?, _):
            failure = nil
        case (.timedOut?, _):
            failure = AnswerFailure("the answer command timed out after \(Wording.duration(timeout))")
        case (.outputTooLarge?, _):
            failure = AnswerFailure("the answer command printed more than \(Wording.size(maximumOutputBytes)), so it was stopped")
        case (nil, nil):
            failure = AnswerFailure("the answer command ended in a way that could not be determined\(detail)")
        case (nil, .signalled(let signal)?):
            failure = AnswerFailure("the answer command was killed by signal \(signal)\(detail)")
        case (nil, .exited(let code)?) where code != 0:
            failure = AnswerFailure("the answer command exited with status \(code)\(detail)")
        case (nil, .exited?):
            failure = state.producedText ? nil : AnswerFailure("the answer command printed nothing\(detail)")
        }
        if let failure {
            logger.warning("answer command failed", metadata: ["reason": "\(failure.reason)"])
            continuation.finish(throwing: failure)
        } else {
            continuation.finish()
        }
    }
}
