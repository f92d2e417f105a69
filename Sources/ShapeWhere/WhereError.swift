/// Why a `where` clause was refused. The message is meant for the client (it becomes
/// the body of a 400), so it names the offending construct or value and, where it
/// helps, the character position (1-based, like Postgres' "at character N").
public struct WhereError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, naming the construct or value.
    public let message: String

    /// An error with `message`.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }

    /// A value echoed back in a message, shortened so a 5 KB parameter cannot bloat
    /// the response and control characters cannot garble a log line.
    static func quote(_ value: String, limit: Int = 40) -> String {
        var shown = ""
        var count = 0
        for scalar in value.unicodeScalars {
            if count == limit {
                shown += "…"
                break
            }
            shown.unicodeScalars.append(scalar.value < 0x20 || scalar.value == 0x7F ? "?" : scalar)
            count += 1
        }
        return WhereText.string(shown)
    }
}
