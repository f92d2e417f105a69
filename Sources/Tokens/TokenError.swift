/// Why a token was refused or could not be read. Each reason has a stable code.
public struct TokenError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable, Codable {
        /// Not a JWT at all: wrong part count, bad base64url, not JSON.
        case malformed = "malformed"
        /// `alg: none`, or any algorithm other than the key's (HS256).
        case unsupportedAlgorithm = "unsupported_algorithm"
        /// The header's `kid` names no key in the store (or there is no `kid`).
        case unknownKey = "unknown_key"
        /// The signature does not match the key.
        case badSignature = "bad_signature"
        /// A valid token of the other kind (auth where shape is expected, or the reverse).
        case wrongKind = "wrong_kind"
        case wrongAudience = "wrong_audience"
        case wrongIssuer = "wrong_issuer"
        case expired = "expired"
        case notYetValid = "not_yet_valid"
        /// A required claim (`sub`, `exp`, …) is missing or has the wrong type.
        case missingClaim = "missing_claim"
        /// A shape token whose `shape` claim is missing or malformed.
        case invalidShape = "invalid_shape"
    }

    public let reason: Reason
    public let message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }

    public var description: String { message }
}
