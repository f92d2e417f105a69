import Foundation
import Logging

/// Answers by running an operator-configured command: `/bin/sh -c <command>` gets the
/// question on its standard input, and whatever it prints on standard output is the answer,
/// streamed as it is printed. Its standard error is logged.
///
/// The question never reaches the command line or the environment, so nothing in it is ever
/// interpreted by the shell. A non-zero exit, a signal or a timeout fails the answer; on a
/// timeout or when the consumer is cancelled, the command's whole process group is sent
/// SIGTERM, then SIGKILL two seconds later, and the command is always waited for.
public struct CommandAnswerer: Answerer {
    /// The shell command line, exactly as the operator configured it.
    public let command: String
    /// How long one answer may take, from start to exit.
    public let timeout: Duration
    /// Where the command's standard error and failures are logged.
    public let logger: Logger
    /// A command that prints more than this is stopped and the answer fails: a runaway
    /// command (`yes`) must not fill the database for the whole timeout.
    public var maximumAnswerBytes = 1 << 20

    /// An answerer that runs `command` for each question, for at most `timeout`.
    public init(command: String, timeout: Duration = .seconds(120), logger: Logger) {
        self.command = command
        self.timeout = timeout
        self.logger = logger
    }

    /// Starts the command and streams its standard output; cancelling the consumer kills it.
    public func answer(_ context: AnswerContext) -> AsyncThrowingStream<String, any Error> {
        AsyncThrowingStream { continuation in
            guard !command.allSatisfy(\.isWhitespace) else {
                continuation.finish(throwing: AnswerFailure("no answer command is configured"))
                return
            }
            let process: ChildProcess
            do {
                process = try ChildProcess.spawnShell(command)
            } catch {
                logger.error("cannot start the answer command", metadata: ["error": "\(error)"])
                continuation.finish(throwing: AnswerFailure("the answer command could not be started: \(error)"))
                return
            }
            let run = CommandRun(
                process: process, timeout: timeout, maximumOutputBytes: maximumAnswerBytes,
                logger: logger, continuation: continuation)
            continuation.onTermination = { termination in
                if case .cancelled = termination { run.stop(.cancelled) }
            }
            run.start(question: context.question)
        }
    }
}
