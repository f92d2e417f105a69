/// A store failure with a stable code and a message a user can act on.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case cannotOpen = "cannot_open"
        case migration = "migration"
        /// The database cannot be reached now (down, restarting, too slow): try again later.
        case unavailable = "unavailable"
        /// The database refused or failed an operation; the message says why.
        case failed = "failed"
        case corrupt = "corrupt"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
