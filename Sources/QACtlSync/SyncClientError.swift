/// What every error of this module offers: a stable code for programs and a
/// message a person can act on.
///
/// ```swift
/// do { try await transaction.commit() } catch let error as any SyncClientError {
///     print(error.code, error.message)
/// }
/// ```
public protocol SyncClientError: Error, CustomStringConvertible, Sendable {
    /// Stable, lower-case, underscore-separated: safe to match on.
    var code: String { get }
    /// What went wrong and what to do about it.
    var message: String { get }
}

extension SyncClientError {
    public var description: String { "\(code): \(message)" }
}
