import Foundation

/// One HS256 signing key with its key id.
public struct SigningKey: Sendable, Equatable {
    /// The minimum secret size: HMAC-SHA256 keys shorter than the hash are weak
    /// (and make jwt-kit assert in debug builds).
    public static let minimumSecretBytes = 32
    public static let algorithm = "HS256"

    public let kid: String
    public let secret: [UInt8]
    public let createdAt: Date

    public init(kid: String, secret: [UInt8], createdAt: Date) {
        self.kid = kid
        self.secret = secret
        self.createdAt = createdAt
    }

    /// A new key with 32 random bytes and a kid like `auth-20261129-3fa91c0e`.
    public static func generate(for kind: TokenKind, now: Date = Date()) -> SigningKey {
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<minimumSecretBytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let suffix = (0..<4).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let day = ISO8601DateFormatter.string(from: now, timeZone: .gmt, formatOptions: [.withYear, .withMonth, .withDay])
        // Millisecond precision: what the key file keeps.
        let created = Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        return SigningKey(kid: "\(kind.rawValue)-\(day)-\(suffix)", secret: secret, createdAt: created)
    }
}

/// All keys of one kind: the newest signs, every one verifies (rotation).
public struct KeySet: Sendable, Equatable {
    public let kind: TokenKind
    /// Oldest first.
    public let keys: [SigningKey]

    public init(kind: TokenKind, keys: [SigningKey]) {
        self.kind = kind
        self.keys = keys
    }

    /// The key new tokens are signed with.
    public var signingKey: SigningKey? { keys.last }

    public func key(withID kid: String) -> SigningKey? {
        keys.first { $0.kid == kid }
    }
}
