import Foundation
import LocalSetup
import Tokens

/// The values of `qactl tail-txid`'s options as given, before they are checked.
/// Environment variables are read by ``TailOptions/init(_:environment:stdoutIsTerminal:)``.
public struct TailArguments: Sendable, Equatable {
    /// `--server URL`.
    public var server: String?
    /// `--user NAME`.
    public var user: String?
    /// `--token JWT`.
    public var token: String?
    /// The resolved data dir (`--data-dir`, `QACTL_DATA_DIR` or the default).
    public var dataDirectory: String
    /// `--conversation ID`.
    public var conversation: String?
    /// `--table NAME`.
    public var table: String?
    /// `--database-url postgres://…` (no environment variable: `QACTL_DATABASE_URL` is `serve`'s).
    public var databaseURL: String?
    /// `--await TXID`.
    public var awaitTxid: UInt64?
    /// `--timeout`, when given.
    public var timeout: Duration?
    /// `--from`, when given: `now` or `start`.
    public var from: String?
    /// `--json`.
    public var json: Bool

    /// No options given yet.
    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
        self.json = false
    }
}

extension TailOptions {
    /// Checks `arguments` and fills in what the environment provides
    /// (`QACTL_SERVER`, `QACTL_USER`, `QACTL_TOKEN`, `NO_COLOR`); options beat
    /// the environment. Throws ``TailError`` with code `usage` naming the
    /// option at fault.
    public init(_ arguments: TailArguments, environment: [String: String], stdoutIsTerminal: Bool) throws(TailError) {
        func env(_ name: String) -> String? { Setting.value(nil, name, environment: environment) }
        func usage(_ message: String) -> TailError { TailError(.usage, message) }

        let from: StartPoint
        switch arguments.from {
        case nil: from = .now
        case let text?:
            guard let parsed = StartPoint(rawValue: text) else { throw usage("--from \(text): expected now or start") }
            from = parsed
        }
        if arguments.timeout != nil, arguments.awaitTxid == nil {
            throw usage("--timeout applies only with --await TXID")
        }
        if let timeout = arguments.timeout, timeout <= .zero {
            throw usage("--timeout must be longer than zero, e.g. 5s")
        }

        let source: Source
        if let url = arguments.databaseURL {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw usage("--database-url must be a postgres:// or postgresql:// URL")
            }
            let shapeOnly: [(String, Bool)] = [
                ("--server", arguments.server != nil), ("--user", arguments.user != nil), ("--token", arguments.token != nil),
                ("--conversation", arguments.conversation != nil), ("--table", arguments.table != nil),
            ]
            let given = shapeOnly.filter(\.1).map(\.0)
            guard given.isEmpty else {
                throw usage("\(given.joined(separator: ", ")) follow a shape and cannot be combined with --database-url")
            }
            // A temporary slot starts at the current WAL position: there is no history to replay.
            guard from == .now else { throw usage("--from start needs a shape; --database-url follows from now on only") }
            source = .postgres(url: url)
        } else {
            source = .shape(try Self.shapeSource(arguments, env: env))
        }

        let format: Format = arguments.json ? .json : .text(color: stdoutIsTerminal && env("NO_COLOR") == nil)
        self.init(
            source: source, from: from, awaitTxid: arguments.awaitTxid, timeout: arguments.timeout ?? Self.defaultTimeout, format: format)
    }

    private static func checkedToken(_ token: String) throws(TailError) -> String {
        do {
            return try CompactJWT.commandLineAuthToken(token).jwt.text
        } catch {
            throw TailError(.usage, error.message)
        }
    }

    private static func shapeSource(_ arguments: TailArguments, env: (String) -> String?) throws(TailError) -> ShapeSource {
        let server = arguments.server ?? env("QACTL_SERVER") ?? defaultServer
        guard let components = URLComponents(string: server), ["http", "https"].contains(components.scheme ?? ""),
            components.host?.isEmpty == false
        else {
            throw TailError(.usage, "--server \(server): expected an http:// or https:// URL, e.g. \(defaultServer)")
        }
        let credentials: ShapeSource.Credentials
        switch (arguments.user, arguments.token) {
        case (.some, .some):
            throw TailError(.usage, "give --user NAME or --token JWT, not both")
        case (let user?, nil):
            guard !user.isEmpty else { throw TailError(.usage, "--user must not be empty") }
            credentials = .user(user, dataDirectory: arguments.dataDirectory)
        case (nil, let token?):
            guard !token.isEmpty else { throw TailError(.usage, "--token must not be empty") }
            credentials = .token(try Self.checkedToken(token))
        case (nil, nil):
            if let token = env("QACTL_TOKEN") {
                credentials = .token(try Self.checkedToken(token))
            } else if let user = env("QACTL_USER") {
                credentials = .user(user, dataDirectory: arguments.dataDirectory)
            } else {
                throw TailError(.usage, "say who you are: --user NAME (mints a token from the data dir) or --token JWT (or QACTL_USER / QACTL_TOKEN)")
            }
        }
        let target: ShapeSource.Target
        switch (arguments.conversation, arguments.table) {
        case (let id?, nil), (let id?, "messages"?):
            guard !id.isEmpty else { throw TailError(.usage, "--conversation must not be empty") }
            target = .messages(conversationID: id)
        case (.some, let table?):
            throw TailError(.usage, "--conversation follows that conversation's messages; it cannot be combined with --table \(table)")
        case (nil, nil), (nil, "conversations"?):
            target = .conversations
        case (nil, "messages"?):
            throw TailError(.usage, "--table messages needs --conversation ID")
        case (nil, let table?):
            throw TailError(.usage, "--table \(table): expected conversations (or --conversation ID for a conversation's messages)")
        }
        return ShapeSource(server: server, credentials: credentials, target: target)
    }
}
