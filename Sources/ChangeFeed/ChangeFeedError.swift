/// A change-feed failure with a stable code and a message a user can act on.
///
/// `code` is for programs (metrics, retry decisions); `message` is for people
/// and, where it comes from PostgreSQL, carries libpq's own words.
public struct ChangeFeedError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is. The raw values are stable.
    public enum Code: String, Sendable {
        /// Bytes from the server that do not follow the replication or pgoutput format.
        case malformedMessage = "malformed_message"
        /// A well-formed message this decoder does not support (another protocol version, a new kind).
        case unsupportedMessage = "unsupported_message"
        /// Messages in an order the protocol does not allow (a change outside a transaction, an unknown relation).
        case protocolViolation = "protocol_violation"
        /// A slot, publication or table name that cannot be used.
        case invalidName = "invalid_name"
        /// A connection URL libpq cannot use.
        case invalidURL = "invalid_url"
        /// The server could not be reached or refused the connection.
        case connectionFailed = "connection_failed"
        /// A command or query failed on the server.
        case queryFailed = "query_failed"
        /// The replication stream broke after it had started.
        case replicationFailed = "replication_failed"
        /// The server is reachable but not set up for logical replication.
        case serverNotReady = "server_not_ready"
        /// The persistent slot the feed resumes from is gone (dropped, or
        /// invalidated by `max_slot_wal_keep_size`) or was moved past the
        /// feed's position: changes between the feed's position and now are
        /// lost for good. `ReplicationFeed` recovers with a new slot and a
        /// `gap` event; a bare connection cannot.
        case slotLost = "slot_lost"
    }

    /// The kind of failure, stable across versions.
    public let code: Code
    /// What went wrong and what to do about it, with PostgreSQL's own words where it said.
    public let message: String
    /// PostgreSQL's SQLSTATE when the server reported the error (`42710` for
    /// "already exists", `57P01` for a terminated backend).
    public let sqlState: String?

    public init(_ code: Code, _ message: String, sqlState: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// Whether a new connection from the last confirmed position may succeed:
    /// true for network and server-side breaks, false for configuration mistakes
    /// and for bytes this code cannot read (those would fail again the same way).
    public var isRetryable: Bool {
        switch code {
        case .connectionFailed, .replicationFailed: true
        case .malformedMessage, .unsupportedMessage, .protocolViolation, .invalidName, .invalidURL, .queryFailed, .serverNotReady, .slotLost: false
        }
    }
}
