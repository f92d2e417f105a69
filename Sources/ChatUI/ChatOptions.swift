import Foundation
import LocalSetup

/// What `qactl chat` was asked to do, as parsed from its command line; unset
/// values fall back to the environment (`QACTL_SERVER`, `QACTL_USER`,
/// `QACTL_TOKEN`, `QACTL_REPLICA_DIR`) and then to the defaults the README lists.
///
/// ```swift
/// var options = ChatOptions(dataDirectory: "/home/me/.local/share/qactl")
/// options.user = "alice"
/// options.ask = "How do shapes work?"
/// try await ChatRunner(options: options).run()
/// ```
public struct ChatOptions: Sendable {
    /// The server's base URL (default `http://127.0.0.1:8787`).
    public var server: String?
    /// Mint an auth token for this user from the data dir's signing key.
    public var user: String?
    /// An auth token to use as is; wins over ``user``.
    public var token: String?
    /// Open this conversation.
    public var conversation: String?
    /// Create a conversation with this title and open it.
    public var newTitle: String?
    /// Send this one question, print its answer and exit.
    public var ask: String?
    /// One JSON object per line instead of text (implies the plain line mode).
    public var json: Bool
    /// Where the signing keys live (for ``user``), and the replicas by default.
    public var dataDirectory: String
    /// Where the local replicas live (default `<data-dir>/replicas`).
    public var replicaDirectory: String?
    /// How long `--ask` waits for a complete answer.
    public var timeout: Duration
    /// The environment the unset options are read from.
    public var environment: [String: String]

    /// Options with the defaults the README lists: nothing set but the data dir, a two-minute `--ask` timeout.
    public init(dataDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.server = nil
        self.user = nil
        self.token = nil
        self.conversation = nil
        self.newTitle = nil
        self.ask = nil
        self.json = false
        self.dataDirectory = dataDirectory
        self.replicaDirectory = nil
        self.timeout = .seconds(120)
        self.environment = environment
    }

    /// The default of `--server`.
    public static let defaultServer = "http://127.0.0.1:8787"
}

/// Which conversation to open.
enum ConversationChoice: Sendable, Equatable {
    /// The user's most recently updated one, else a new one.
    case mostRecent
    case existing(String)
    case new(title: String)
}

/// The three ways `qactl chat` runs.
enum ChatMode: Sendable, Equatable {
    case ask(String)
    /// Lines in, lines (or JSON objects) out: pipes, tests, `--json`.
    case plain
    /// The full-screen terminal client.
    case interactive
}

/// ``ChatOptions`` with the environment and defaults applied and checked.
struct ChatSettings: Sendable {
    let server: String
    let user: String?
    let token: String?
    let choice: ConversationChoice
    let mode: ChatMode
    let json: Bool
    let dataDirectory: String
    let replicaDirectory: String
    let timeout: Duration
    /// Colour allowed: on a terminal, and `NO_COLOR` unset or empty.
    let colour: Bool

    /// Applies the environment; `terminal` says whether stdin and stdout are
    /// both terminals (and `TERM` is not `dumb`). Usage errors name the option.
    init(_ options: ChatOptions, terminal: Bool) throws(ChatError) {
        let environment = options.environment
        func env(_ name: String) -> String? { Setting.value(nil, name, environment: environment) }
        var server = options.server ?? env("QACTL_SERVER") ?? ChatOptions.defaultServer
        while server.hasSuffix("/") { server.removeLast() }
        guard let url = URL(string: server), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            throw ChatError(.usage, "--server \(server): expected an http:// or https:// URL, e.g. \(ChatOptions.defaultServer)")
        }
        self.server = server
        // A flag beats the environment, and --token beats --user; a token in the
        // environment does not override a --user typed on the command line.
        if let token = options.token {
            self.token = token
            self.user = nil
        } else if let user = options.user {
            self.token = nil
            self.user = user
        } else {
            self.token = env("QACTL_TOKEN")
            self.user = self.token == nil ? env("QACTL_USER") : nil
        }
        if let user, user.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ChatError(.usage, "--user must not be empty")
        }
        switch (options.conversation, options.newTitle) {
        case (.some, .some):
            throw ChatError(.usage, "--conversation and --new exclude each other: open one conversation or create one")
        case (let id?, nil):
            guard !id.isEmpty, id.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw ChatError(.usage, "--conversation \(id): ids are 1 to 64 characters of A-Z, a-z, 0-9, - and _")
            }
            choice = .existing(id)
        case (nil, let title?):
            let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...200).contains(trimmed.count) else { throw ChatError(.usage, "--new: the title must be 1 to 200 characters") }
            choice = .new(title: trimmed)
        case (nil, nil):
            choice = .mostRecent
        }
        if let ask = options.ask {
            let trimmed = ask.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw ChatError(.usage, "--ask needs a question, e.g. --ask \"How do shapes work?\"") }
            guard trimmed.utf8.count <= ChatSession.maxQuestionBytes else {
                throw ChatError(.usage, "--ask: the question is \(trimmed.utf8.count) bytes; at most \(ChatSession.maxQuestionBytes)")
            }
            mode = .ask(trimmed)
        } else {
            mode = options.json || !terminal ? .plain : .interactive
        }
        guard options.timeout > .zero else { throw ChatError(.usage, "--timeout must be more than zero") }
        json = options.json
        dataDirectory = options.dataDirectory
        replicaDirectory = options.replicaDirectory ?? env("QACTL_REPLICA_DIR") ?? DataDirectory(options.dataDirectory).replicas
        timeout = options.timeout
        colour = terminal && env("NO_COLOR") == nil
    }
}
