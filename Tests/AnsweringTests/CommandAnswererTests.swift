import Foundation
import Logging
import Testing

@testable import Answering

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Command answerer")
struct CommandAnswererTests {
    private let logger = Logger(label: "qactl.answering.tests")

    private func run(
        _ command: String,
        question: String = "What is qactl?",
        timeout: Duration = .seconds(10)
    ) async -> (pieces: [String], failure: String?) {
        let answerer = CommandAnswerer(command: command, timeout: timeout, logger: logger)
        var pieces: [String] = []
        do {
            for try await piece in answerer.answer(AnswerContext(question: question)) { pieces.append(piece) }
            return (pieces, nil)
        } catch {
            return (pieces, "\(error)")
        }
    }

    private func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "qactl-\(name)-" + UUID().uuidString
    }

    /// Whether `pid` is still a running process (a zombie left to someone else counts as gone).
    private func isRunning(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        // The state letter follows the parenthesised command name.
        guard let close = stat.lastIndex(of: ")") else { return true }
        return !stat[close...].dropFirst(2).hasPrefix("Z")
    }

    private func readPid(_ path: String) throws -> pid_t {
        let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return try #require(pid_t(text))
    }

    @Test("cat echoes the question from standard input")
    func echo() async {
        let result = await run("cat")
        #expect(result.failure == nil)
        #expect(result.pieces.joined() == "What is qactl?")
    }

    @Test("output is streamed as it is printed")
    func streaming() async {
        let result = await run("printf 'a'; sleep 0.2; printf 'b'")
        #expect(result.failure == nil)
        #expect(result.pieces == ["a", "b"])
    }

    @Test("multi-byte characters split across writes arrive whole")
    func splitCharacters() async {
        // "é" is C3 A9: the two bytes are written 200 ms apart, so they arrive in two reads.
        let result = await run(#"printf 'caf\303'; sleep 0.2; printf '\251 ok\n'"#)
        #expect(result.failure == nil)
        #expect(result.pieces.joined() == "café ok")
        #expect(!result.pieces.joined().contains("\u{FFFD}"))
    }

    @Test("a non-zero exit fails with the status and the last line of standard error")
    func failingCommand() async {
        let result = await run("echo 'warming up' >&2; echo 'model not found' >&2; exit 3")
        #expect(result.pieces.isEmpty)
        #expect(result.failure == "the answer command exited with status 3: model not found")
    }

    @Test("a command that prints nothing fails")
    func silentCommand() async {
        let result = await run("true")
        #expect(result.failure == "the answer command printed nothing")
    }

    @Test("a hanging command is killed at the timeout, with everything it started")
    func hangingCommand() async throws {
        let shellPidFile = temporaryPath("shell-pid")
        let sleepPidFile = temporaryPath("sleep-pid")
        defer {
            try? FileManager.default.removeItem(atPath: shellPidFile)
            try? FileManager.default.removeItem(atPath: sleepPidFile)
        }
        let clock = ContinuousClock()
        let start = clock.now
        let result = await run(
            "echo $$ > \(shellPidFile); sleep 30 & echo $! > \(sleepPidFile); wait", timeout: .milliseconds(500))
        let elapsed = clock.now - start
        #expect(result.failure == "the answer command timed out after 500ms")
        // Far below the command's own 30 s: the timeout, not the command, ended it.
        #expect(elapsed < .seconds(20))
        let shell = try readPid(shellPidFile)
        let sleeper = try readPid(sleepPidFile)
        // The shell was our child: it must be reaped, not a zombie.
        #expect(kill(shell, 0) == -1 && errno == ESRCH)
        // The grandchild got SIGKILL with its group; on a busy machine it may take a moment to die.
        let deadline = clock.now + .seconds(3)
        while isRunning(sleeper) && clock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!isRunning(sleeper))
    }

    @Test("a command that ignores SIGTERM is killed with SIGKILL")
    func stubbornCommand() async throws {
        let pidFile = temporaryPath("stubborn-pid")
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let clock = ContinuousClock()
        let start = clock.now
        let result = await run("trap '' TERM; echo $$ > \(pidFile); while :; do sleep 0.1; done", timeout: .milliseconds(300))
        #expect(result.failure == "the answer command timed out after 300ms")
        // A command that ignores SIGTERM would otherwise loop forever.
        #expect(clock.now - start < .seconds(20))
        let shell = try readPid(pidFile)
        #expect(kill(shell, 0) == -1 && errno == ESRCH)
    }

    @Test("cancelling the consumer kills the command")
    func cancellation() async throws {
        let pidFile = temporaryPath("cancel-pid")
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let answerer = CommandAnswerer(
            command: "echo $$ > \(pidFile); printf 'started'; exec sleep 30", timeout: .seconds(60), logger: logger)
        let stream = answerer.answer(AnswerContext(question: "hi"))
        let consumer = Task {
            var pieces: [String] = []
            for try await piece in stream { pieces.append(piece) }
            return pieces
        }
        let clock = ContinuousClock()
        while !FileManager.default.fileExists(atPath: pidFile) { try await Task.sleep(for: .milliseconds(20)) }
        try await Task.sleep(for: .milliseconds(100))
        let shell = try readPid(pidFile)
        consumer.cancel()
        _ = await consumer.result
        let start = clock.now
        while kill(shell, 0) == 0, clock.now - start < .seconds(20) { try await Task.sleep(for: .milliseconds(20)) }
        #expect(kill(shell, 0) == -1 && errno == ESRCH)
    }

    @Test("the question goes verbatim to standard input and is never executed")
    func injection() async throws {
        let marker = temporaryPath("injected")
        let question = "$(touch \(marker)) `touch \(marker)` '; rm -rf \(marker)-never; touch \(marker); echo \"x"
        let result = await run("cat", question: question)
        #expect(result.failure == nil)
        #expect(result.pieces.joined() == question)
        #expect(!FileManager.default.fileExists(atPath: marker))
        // Nor in the environment: the command sees no variable holding it.
        let environment = await run("env", question: question)
        #expect(!(environment.pieces.joined().contains("touch")))
    }

    @Test("a large question is delivered whole, and a command that does not read it still works")
    func largeInput() async {
        let question = String(repeating: "0123456789", count: 100_000)
        let counted = await run("wc -c", question: question)
        #expect(counted.pieces.joined().trimmingCharacters(in: .whitespaces) == "\(question.utf8.count + 1)")
        let ignoring = await run("echo ignored", question: question)
        #expect(ignoring.failure == nil)
        #expect(ignoring.pieces.joined() == "ignored")
    }

    @Test("a runaway command is stopped once it has printed too much")
    func runawayCommand() async {
        // A timeout far away: the message says which limit stopped it, so a slow machine cannot confuse the two.
        var answerer = CommandAnswerer(command: "yes", timeout: .seconds(120), logger: logger)
        answerer.maximumAnswerBytes = 64 * 1024
        var received = 0
        var failure: String?
        do {
            for try await piece in answerer.answer(AnswerContext(question: "hi")) { received += piece.utf8.count }
        } catch {
            failure = "\(error)"
        }
        #expect(failure == "the answer command printed more than 64 KiB, so it was stopped")
        #expect(received <= 64 * 1024)
    }

    @Test("an empty command is refused")
    func emptyCommand() async {
        let result = await run("  ")
        #expect(result.failure == "no answer command is configured")
    }
}
