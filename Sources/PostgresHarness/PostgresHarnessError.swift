/// A harness failure with a stable code and a message that says what to fix.
public struct PostgresHarnessError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// `initdb`/`postgres` were not found.
        case binariesNotFound = "binaries_not_found"
        /// Running as root and the `postgres` user (or `runuser`) is missing.
        case noPostgresUser = "no_postgres_user"
        /// A command (initdb, postgres, psql, pg_ctl) failed.
        case commandFailed = "command_failed"
        /// The server did not accept connections in time.
        case startTimeout = "start_timeout"
        /// A command did not finish in time and was killed.
        case commandTimedOut = "command_timed_out"
        /// The cluster was already stopped.
        case stopped = "stopped"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
