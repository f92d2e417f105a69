import Foundation

/// A token whose signature, kind, issuer and lifetime have been checked.
public struct VerifiedToken: Sendable, Equatable {
    public let kind: TokenKind
    /// The user id (`sub`).
    public let subject: String
    public let issuedAt: Date
    public let expiresAt: Date
    public let tokenID: String?
    public let keyID: String
    /// The granted shape; set for shape tokens only.
    public let shape: ShapeGrant?
}
