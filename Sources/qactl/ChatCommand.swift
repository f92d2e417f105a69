import LocalSetup
import ArgumentParser
import ChatUI
import Foundation

struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with the service from a terminal: live conversations, optimistic sends, streaming answers.",
        discussion: """
            On a terminal it runs full-screen (commands /new TITLE, /list, /switch ID, /quit; \
            PgUp/PgDn scroll; Ctrl-C quits). When stdin or stdout is not a terminal, or with \
            --json, it reads one line per question or command and prints one line (or JSON \
            object) per change; at end of input it waits (up to --timeout) for its answers and for the outbox to be sent. \
            --ask sends one question and prints its answer: exit 0 when it completes, 1 when \
            it fails, 4 on --timeout, 3 when the server refuses the token. SIGINT or SIGTERM \
            while an answer is awaited exits 1 with a message (the server still finishes it). \
            Conversations are kept in local replicas, so a restart shows them at once.
            """
    )

    @OptionGroup var identity: ServerIdentityOptions

    @Option(help: ArgumentHelp("Open this conversation (default: your most recent one, else a new one).", valueName: "id"))
    var conversation: String?

    @Option(name: .customLong("new"), help: ArgumentHelp("Start a new conversation with this title.", valueName: "title"))
    var newTitle: String?

    @Option(help: ArgumentHelp("Send one question, print its answer when complete, and exit.", valueName: "text"))
    var ask: String?

    @Flag(help: "One JSON object per line: each change (with --ask: optimistic, confirmed, chunk, completed).")
    var json = false

    @Option(help: ArgumentHelp("How long --ask (and the line mode at end of input) waits for answers, e.g. 30s, 2m.", valueName: "duration"))
    var timeout = DurationArgument(.seconds(120))

    @Option(
        name: .customLong("replica-dir"),
        help: ArgumentHelp("Where conversations are kept between runs (env: QACTL_REPLICA_DIR; default: <data-dir>/replicas).", valueName: "path"))
    var replicaDirectory: String?

    @OptionGroup var data: DataDirectoryOptions

    func validate() throws {
        if replicaDirectory?.isEmpty == true { throw ValidationError("--replica-dir must not be empty (leave it out for <data-dir>/replicas)") }
    }

    func run() async throws {
        var options = ChatOptions(dataDirectory: data.resolved)
        options.server = identity.server
        options.user = identity.user
        options.token = identity.token
        options.conversation = conversation
        options.newTitle = newTitle
        options.ask = ask
        options.json = json
        options.timeout = timeout.duration
        options.replicaDirectory = replicaDirectory
        do {
            try await ChatRunner(options: options).run()
        } catch {
            throw fail(error.message, exit: error.exitStatus)
        }
    }
}
