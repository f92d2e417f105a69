/// The exit statuses of every qactl command (README, exit codes).
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case success = 0
    case failure = 1
    /// Bad options or arguments.
    case usage = 2
    /// Authentication or authorisation refused.
    case refused = 3
    case timedOut = 4

    /// What the status means, as the man pages say it.
    public var meaning: String {
        switch self {
        case .success: "Success."
        case .failure: "Failure."
        case .usage: "Usage error, or input that is not what the command reads (such as a malformed token)."
        case .refused: "Authentication or authorisation refused."
        case .timedOut: "Timed out."
        }
    }
}
