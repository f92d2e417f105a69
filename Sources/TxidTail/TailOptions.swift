import QACtlSync

/// What `qactl tail-txid` follows and how it reports, validated.
///
/// Build it from the command line's values with ``init(_:environment:stdoutIsTerminal:)``:
///
/// ```swift
/// var arguments = TailArguments(dataDirectory: "/tmp/qactl")
/// arguments.user = "alice"
/// arguments.conversation = "c-1"
/// let options = try TailOptions(arguments, environment: [:], stdoutIsTerminal: false)
/// ```
public struct TailOptions: Sendable, Equatable {
    /// Where transactions come from.
    public enum Source: Sendable, Equatable {
        /// A shape read through the gatekeeper of a running `qactl serve`.
        case shape(ShapeSource)
        /// PostgreSQL's logical replication stream, read directly.
        case postgres(url: String)
    }

    /// Where following begins.
    public enum StartPoint: String, Sendable, Equatable {
        /// Only transactions that arrive from now on (`offset=now`).
        case now
        /// The shape's history too: its snapshot (one summary line), then every later transaction.
        case start
    }

    /// How lines are written.
    public enum Format: Sendable, Equatable {
        /// One line per event for people; ANSI colour when `color`.
        case text(color: Bool)
        /// One JSON object per line, each with a `type`.
        case json
    }

    /// `http://127.0.0.1:8787`, as for `qactl chat`.
    public static let defaultServer = "http://127.0.0.1:8787"
    /// How long `--await` waits by default.
    public static let defaultTimeout: Duration = .seconds(5)

    /// Shape or PostgreSQL.
    public var source: Source
    /// Where following begins (shape mode).
    public var from: StartPoint
    /// Exit 0 once this txid is seen (compared as a 32-bit xid in PostgreSQL
    /// mode, so an `xid8` from `pg_current_xact_id()` works too).
    public var awaitTxid: UInt64?
    /// How long to wait for ``awaitTxid``.
    public var timeout: Duration
    /// Text (maybe coloured) or JSON lines.
    public var format: Format

    /// Options from their parts, unchecked (``init(_:environment:stdoutIsTerminal:)`` checks).
    public init(source: Source, from: StartPoint = .now, awaitTxid: UInt64? = nil, timeout: Duration = defaultTimeout, format: Format = .text(color: false)) {
        self.source = source
        self.from = from
        self.awaitTxid = awaitTxid
        self.timeout = timeout
        self.format = format
    }
}

/// The shape to follow and how to get its tokens.
public struct ShapeSource: Sendable, Equatable {
    /// Whose auth token asks for shape tokens.
    public enum Credentials: Sendable, Equatable {
        /// Mint an auth token for this user with the data dir's signing key.
        case user(String, dataDirectory: String)
        /// Use this auth token (a JWT) as it is.
        case token(String)
    }

    /// Which of the user's shapes.
    public enum Target: Sendable, Equatable {
        /// The user's conversations.
        case conversations
        /// The messages of one conversation.
        case messages(conversationID: String)
    }

    /// The server's base URL, without a trailing slash.
    public var server: String
    /// Whose shapes.
    public var credentials: Credentials
    /// Which shape.
    public var target: Target

    /// A source from its parts.
    public init(server: String, credentials: Credentials, target: Target) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.credentials = credentials
        self.target = target
    }

    /// What `POST /shapes/auth-token` is asked for.
    public var tokenRequest: ShapeTokenRequest {
        switch target {
        case .conversations: ShapeTokenRequest(table: "conversations")
        case .messages(let id): ShapeTokenRequest(table: "messages", params: ["conversationId": id])
        }
    }
}
