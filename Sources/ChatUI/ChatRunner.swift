#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `qactl chat`: everything but parsing the command line.
///
/// ```swift
/// var options = ChatOptions(dataDirectory: dataDirectory)
/// options.user = "alice"
/// try await ChatRunner(options: options).run()   // throws ChatError: print its message, exit with its exitStatus
/// ```
///
/// Which mode runs: `--ask` sends one question and prints the answer; with
/// stdin and stdout both terminals (and neither `--json` nor `TERM=dumb`) the
/// full-screen client; otherwise the plain line mode.
public struct ChatRunner: Sendable {
    /// What to do.
    public let options: ChatOptions

    /// A runner for `options`.
    public init(options: ChatOptions) {
        self.options = options
    }

    /// Runs until the user quits, the `--ask` answer settles, or a failure.
    /// Returns normally for exit code 0; every failure is a ``ChatError``
    /// whose ``ChatError/exitStatus`` is the one to exit with. The terminal is
    /// restored before this returns or throws.
    public func run() async throws(ChatError) {
        let terminal = Terminal.isTerminal(STDIN_FILENO) && Terminal.isTerminal(STDOUT_FILENO)
            && options.environment["TERM"] != "dumb"
        let settings = try ChatSettings(options, terminal: terminal)
        let identity = try await ChatIdentity.resolve(token: settings.token, user: settings.user, dataDirectory: settings.dataDirectory)
        do {
            switch settings.mode {
            case .ask(let question):
                try await AskMode(settings: settings, identity: identity, question: question, output: .standardOutput).run()
            case .plain:
                try await PlainMode(settings: settings, identity: identity, output: .standardOutput).run()
            case .interactive:
                try await InteractiveMode(settings: settings, identity: identity).run()
            }
        } catch {
            throw ChatError.from(error, doing: "chat", server: settings.server)
        }
    }
}
