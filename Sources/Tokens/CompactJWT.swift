import Foundation
// JSONValue is part of Tokens' API (headers, claims, reports).
@_exported import enum ShapeWire.JSONValue

/// A JWT split into its parts and decoded, but not verified.
///
/// Parsing is strict: three base64url parts, a JSON-object header and payload.
/// Anything else is ``TokenError/Reason/malformed``.
public struct CompactJWT: Sendable {
    public let text: String
    public let header: [String: JSONValue]
    public let claims: [String: JSONValue]
    /// The raw payload bytes, for decoding typed claims.
    let payloadData: Data

    public init(_ token: String) throws(TokenError) {
        let text = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw TokenError(.malformed, "the token is empty") }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw TokenError(.malformed, "a JWT has 3 dot-separated parts, this has \(parts.count)")
        }
        guard let headerData = Base64URL.decode(parts[0]), let payloadData = Base64URL.decode(parts[1]) else {
            throw TokenError(.malformed, "the header or payload is not base64url")
        }
        guard Base64URL.decode(parts[2]) != nil else {
            throw TokenError(.malformed, "the signature is not base64url")
        }
        guard let header = try? JSONDecoder().decode([String: JSONValue].self, from: headerData) else {
            throw TokenError(.malformed, "the header is not a JSON object")
        }
        guard let claims = try? JSONDecoder().decode([String: JSONValue].self, from: payloadData) else {
            throw TokenError(.malformed, "the payload is not a JSON object")
        }
        for claim in ["iat", "exp", "nbf"] {
            guard let value = claims[claim] else { continue }
            guard let seconds = value.numberValue, Self.timeRange.contains(seconds) else {
                throw TokenError(.malformed, "the \(claim) claim is not a time: seconds since 1970 (up to the year 9999) expected, found \(value.jsonText.prefix(40))")
            }
        }
        self.text = text
        self.header = header
        self.claims = claims
        self.payloadData = payloadData
    }

    public var algorithm: String? { header["alg"]?.stringValue }
    public var keyID: String? { header["kid"]?.stringValue }

    /// The audiences named by `aud` (a string or an array of strings).
    public var audiences: [String] {
        switch claims["aud"] {
        case .string(let value): [value]
        case .array(let values): values.compactMap(\.stringValue)
        default: []
        }
    }

    /// The kind this token claims to be, from its audience.
    public var claimedKind: TokenKind? {
        audiences.lazy.compactMap(TokenKind.init(audience:)).first
    }

    /// NumericDate values accepted in `iat`, `exp` and `nbf`: 1970 up to the end of the year 9999.
    static let timeRange: ClosedRange<Double> = 0...253_402_300_799

    func date(_ claim: String) -> Date? {
        claims[claim]?.numberValue.map { Date(timeIntervalSince1970: $0) }
    }

    public var issuedAt: Date? { date("iat") }
    public var expiresAt: Date? { date("exp") }
    public var notBefore: Date? { date("nbf") }
}
