import Foundation

/// Which shape to ask `POST /shapes/auth-token` for: the cache key of ``ShapeTokenProvider``.
///
/// ```swift
/// ShapeTokenRequest(table: "messages", params: ["conversationId": "c-1"])
/// ShapeTokenRequest(table: "conversations")
/// ```
public struct ShapeTokenRequest: Sendable, Hashable, CustomStringConvertible {
    /// The table to sync (`messages`, `conversations`).
    public let table: String
    public let params: [String: String]

    /// A request for `table` with the route's named `params` (`conversationId`).
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

    /// A token, as a custom ``ShapeTokenProvider/Fetch`` builds one.
    public init(token: String, expiresAt: Date, shape: GrantedShape? = nil) {
        self.token = token
        self.expiresAt = expiresAt
        self.shape = shape
    }
}

/// The shape a token grants: table, `where` clause and its `$n` parameters.
public struct GrantedShape: Sendable, Hashable {
    /// The table, `where` clause (with `$n` placeholders) and the placeholders' values.
    public let table: String
    public let `where`: String?
    public let params: [String]

    /// A granted shape from its parts.
    public init(table: String, where: String?, params: [String]) {
        self.table = table
        self.where = `where`
        self.params = params
    }
}
