import LocalSetup
/// Why `qactl tail-txid` ended without success: a stable code for scripts, a
/// message a person can act on, and the exit status the README lists.
///
/// ```swift
/// do {
///     _ = try await TxidTail.run(options)
/// } catch let error as TailError {
///     print(error.code.rawValue, error.message)   // timed_out txid 42 not seen within 5s …
///     exit(error.exitStatus)                        // 4
/// }
/// ```
public struct TailError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of failure; the raw values are stable.
    public enum Code: String, Sendable {
        /// The options contradict each other or a value is malformed (exit 2).
        case usage
        /// The server or the database refused the credentials (exit 3).
        case refused = "auth_refused"
        /// `--await`'s txid was not seen before `--timeout` passed (exit 4).
        case timedOut = "timed_out"
        /// The server or the database could not be reached.
        case unreachable
        /// The data dir has no signing key to mint an auth token with.
        case keysUnavailable = "keys_unavailable"
        /// The shape stream failed in a way retrying does not fix.
        case shapeFailed = "shape_failed"
        /// PostgreSQL is reachable but not set up for logical replication.
        case databaseNotReady = "database_not_ready"
        /// A catalog query, the publication or the replication stream failed.
        case databaseFailed = "database_failed"
        /// `--await`'s transaction was rolled back: it can never be seen.
        case rolledBack = "rolled_back"
        /// A signal stopped the tail before `--await`'s txid was seen.
        case interrupted
    }

    /// Which failure.
    public let code: Code
    /// What went wrong and what to do about it.
    public let message: String

    /// A failure of kind `code`, explained by `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The process exit status (README, exit codes): usage, refused, timed out, else failure.
    public var exitStatus: ExitStatus {
        switch code {
        case .usage: .usage
        case .refused: .refused
        case .timedOut: .timedOut
        case .unreachable, .keysUnavailable, .shapeFailed, .databaseNotReady, .databaseFailed, .rolledBack, .interrupted: .failure
        }
    }

    /// `code: message`, as the command prints it.
    public var description: String { "\(code.rawValue): \(message)" }
}
