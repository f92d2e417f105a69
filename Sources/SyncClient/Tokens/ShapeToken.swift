import Foundation

/// Which shape to ask `POST /shapes/auth-token` for: the cache key of ``ShapeTokenProvider``.
///
/// ```swift
/// ShapeTokenRequest(table: "messages", params: ["conversationId": "c-1"])
/// ShapeTokenRequest(table: "conversations")
/// ```
public struct ShapeTokenRequest: Sendable, Hashable, CustomStringConvertible {
    public let table: String
    public let params: [String: String]

    public init(table: String, params: [String: String] = [:]) {
        self.table = table
        self.params = params
    }

    public var description: String {
        params.isEmpty ? table : table + "(" + params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
    }
}

/// A shape token and what it grants.
public struct ShapeToken: Sendable, Hashable {
    /// The JWT to send as `Authorization: Bearer …` to `GET /shape`.
    public let token: String
    /// When the server stops accepting it.
    public let expiresAt: Date
    /// The shape it grants, as the server reported it (nil if it did not).
    public let shape: GrantedShape?

    public init(token: String, expiresAt: Date, shape: GrantedShape? = nil) {
        self.token = token
        self.expiresAt = expiresAt
        self.shape = shape
    }
}

/// The shape a token grants: table, `where` clause and its `$n` parameters.
public struct GrantedShape: Sendable, Hashable {
    public let table: String
    public let `where`: String?
    public let params: [String]

    public init(table: String, where: String?, params: [String]) {
        self.table = table
        self.where = `where`
        self.params = params
    }
}
