/// A problem with the key files in the data dir. The message names the file and the fix.
public struct KeyStoreError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
