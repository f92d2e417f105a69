import Foundation
import JWTKit

/// Mints and verifies qactl's auth and shape tokens.
///
/// Verification refuses, each with its own ``TokenError/Reason``: `alg: none` or
/// any algorithm but HS256, a `kid` not in the store (checked here, because
/// jwt-kit would quietly fall back to its first key), a bad signature, a token of
/// the other kind, a wrong audience or issuer, an expired or not-yet-valid token,
/// and a shape token whose `shape` claim is missing or malformed.
public struct TokenAuthority: Sendable {
    public static let defaultIssuer = "qactl"
    /// Clock-skew allowance for `exp` and `nbf`.
    public static let defaultLeeway: Duration = .seconds(30)

    public let authKeys: KeySet
    public let shapeKeys: KeySet
    public let issuer: String
    public let leeway: Duration
    /// One single-key collection per kid, built on first use and reused: a
    /// server verifies a token on every request.
    private let collections = KeyCollections()
    private let recentlyVerified = VerifiedTokenCache()

    public init(authKeys: KeySet, shapeKeys: KeySet, issuer: String = defaultIssuer, leeway: Duration = defaultLeeway) {
        self.authKeys = authKeys
        self.shapeKeys = shapeKeys
        self.issuer = issuer
        self.leeway = leeway
    }

    /// The keys of the data dir, created on first use.
    public init(store: KeyStore) throws(KeyStoreError) {
        self.init(authKeys: try store.loadOrCreate(.auth), shapeKeys: try store.loadOrCreate(.shape))
    }

    public func keys(_ kind: TokenKind) -> KeySet {
        kind == .auth ? authKeys : shapeKeys
    }

    // MARK: - Minting

    /// A minted token with its expiry.
    public struct Minted: Sendable {
        public let token: String
        public let keyID: String
        public let issuedAt: Date
        public let expiresAt: Date
    }

    /// An auth token for user `subject`.
    public func mintAuth(subject: String, lifetime: Duration = TokenKind.auth.defaultLifetime, now: Date = Date()) async throws -> Minted {
        try await mint(.auth, subject: subject, extra: [:], lifetime: lifetime, now: now)
    }

    /// A shape token granting `shape` to user `subject`.
    public func mintShape(subject: String, shape: ShapeGrant, lifetime: Duration = TokenKind.shape.defaultLifetime, now: Date = Date()) async throws -> Minted {
        try await mint(.shape, subject: subject, extra: ["jti": .string(UUID().uuidString.lowercased()), "shape": shape.claim], lifetime: lifetime, now: now)
    }

    private func mint(_ kind: TokenKind, subject: String, extra: [String: JSONValue], lifetime: Duration, now: Date) async throws -> Minted {
        guard let key = keys(kind).signingKey else {
            throw TokenError(.unknownKey, "there is no \(kind.rawValue) signing key")
        }
        guard !subject.isEmpty, !ClaimText.hasControlCharacters(subject) else {
            throw TokenError(.malformed, "a user id (sub) must be non-empty text without control characters")
        }
        let issued = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let expires = issued.addingTimeInterval(lifetime.secondsValue.rounded(.up))
        var claims = extra
        claims["sub"] = .string(subject)
        claims["iss"] = .string(issuer)
        claims["aud"] = .string(kind.audience)
        claims["iat"] = .number(issued.timeIntervalSince1970)
        claims["exp"] = .number(expires.timeIntervalSince1970)
        let signer = await collections.collection(for: key)
        let header: JWTHeader = ["typ": "JWT"]
        let token = try await signer.sign(ClaimSet(claims), kid: JWKIdentifier(string: key.kid), header: header)
        return Minted(token: token, keyID: key.kid, issuedAt: issued, expiresAt: expires)
    }

    // MARK: - Verifying

    /// Verifies `token` as a token of `kind`.
    public func verify(_ token: String, as kind: TokenKind, now: Date = Date()) async throws(TokenError) -> VerifiedToken {
        if let known = recentlyVerified.lookup(token, kind: kind, now: now) { return known }
        let jwt = try CompactJWT(token)
        let verified = try await verify(jwt, as: kind, now: now)
        let slack = leeway.secondsValue
        let validFrom = max(jwt.notBefore ?? verified.issuedAt, verified.issuedAt).addingTimeInterval(-slack)
        recentlyVerified.store(token, .init(token: verified, validFrom: validFrom, validUntil: verified.expiresAt.addingTimeInterval(slack)))
        return verified
    }

    /// `token` as a token of `kind`, if it was verified recently and is still
    /// valid: the same answer as ``verify(_:as:now:)``, without suspending.
    /// Nil means "not known", not "refused".
    public func verifiedRecently(_ token: String, as kind: TokenKind, now: Date = Date()) -> VerifiedToken? {
        recentlyVerified.lookup(token, kind: kind, now: now)
    }

    public func verify(_ jwt: CompactJWT, as kind: TokenKind, now: Date = Date()) async throws(TokenError) -> VerifiedToken {
        guard let alg = jwt.algorithm else { throw TokenError(.malformed, "the header has no alg") }
        guard alg == SigningKey.algorithm else {
            let what = alg.lowercased() == "none" ? "alg none (an unsigned token) is never accepted" : "algorithm \(alg) is not accepted (only \(SigningKey.algorithm))"
            throw TokenError(.unsupportedAlgorithm, what)
        }
        // RFC 7515 §4.1.11: a critical extension the verifier does not implement must be refused (qactl implements none).
        if jwt.header["crit"] != nil {
            throw TokenError(.malformed, "the header lists critical extensions (crit), which qactl does not implement")
        }
        guard let kid = jwt.keyID else { throw TokenError(.unknownKey, "the token names no key (no kid in its header)") }
        let otherKind: TokenKind = kind == .auth ? .shape : .auth
        let signedByOtherKind: Bool
        let key: SigningKey
        if let found = keys(kind).key(withID: kid) {
            key = found
            signedByOtherKind = false
        } else if let found = keys(otherKind).key(withID: kid) {
            key = found
            signedByOtherKind = true
        } else {
            throw TokenError(.unknownKey, "key \"\(kid)\" is not in this key store (signed elsewhere, or a key that was rotated out)")
        }

        // One key in the collection: jwt-kit cannot fall back to another one.
        let verifier = await collections.collection(for: key)
        do {
            _ = try await verifier.verify(jwt.text, as: ClaimSet.self)
        } catch {
            throw TokenError(.badSignature, "the signature does not match key \"\(kid)\" (the token was altered or signed with another secret)")
        }

        let claimed = jwt.claimedKind
        if signedByOtherKind || (claimed != nil && claimed != kind) {
            let given = signedByOtherKind ? otherKind : (claimed ?? otherKind)
            throw TokenError(.wrongKind, "this is \(given.withArticle), but \(kind.withArticle) is required")
        }
        guard jwt.audiences.contains(kind.audience) else {
            throw TokenError(.wrongAudience, "the audience is \(jwt.claims["aud"]?.jsonText ?? "missing"), expected \"\(kind.audience)\"")
        }
        guard jwt.claims["iss"]?.stringValue == issuer else {
            throw TokenError(.wrongIssuer, "the issuer is \(jwt.claims["iss"]?.jsonText ?? "missing"), expected \"\(issuer)\"")
        }
        guard let subject = jwt.claims["sub"]?.stringValue, !subject.isEmpty else {
            throw TokenError(.missingClaim, "the token has no sub (user id)")
        }
        // A user id is compared and stored as text: control characters (NUL cuts it short in C APIs) have no place in it.
        guard !ClaimText.hasControlCharacters(subject) else {
            throw TokenError(.malformed, "the sub (user id) contains control characters")
        }
        guard let expiresAt = jwt.expiresAt else { throw TokenError(.missingClaim, "the token has no exp (expiry)") }
        guard let issuedAt = jwt.issuedAt else { throw TokenError(.missingClaim, "the token has no iat (issue time)") }
        let slack = leeway.secondsValue
        if expiresAt.addingTimeInterval(slack) < now {
            throw TokenError(.expired, "expired \(DurationText.format(seconds: now.timeIntervalSince(expiresAt))) ago")
        }
        if let notBefore = jwt.notBefore, notBefore.addingTimeInterval(-slack) > now {
            throw TokenError(.notYetValid, "not valid until \(DurationText.format(seconds: notBefore.timeIntervalSince(now))) from now")
        }
        if issuedAt.addingTimeInterval(-slack) > now {
            throw TokenError(.notYetValid, "issued \(DurationText.format(seconds: issuedAt.timeIntervalSince(now))) in the future")
        }
        let shape = kind == .shape ? try ShapeGrant(claim: jwt.claims["shape"]) : nil
        return VerifiedToken(kind: kind, subject: subject, issuedAt: issuedAt, expiresAt: expiresAt, tokenID: jwt.claims["jti"]?.stringValue, keyID: kid, shape: shape)
    }
}

/// Single-key jwt-kit collections by kid. One key per collection means jwt-kit
/// can never fall back to another key.
actor KeyCollections {
    private var byKid: [String: JWTKeyCollection] = [:]

    func collection(for key: SigningKey) async -> JWTKeyCollection {
        if let existing = byKid[key.kid] { return existing }
        let collection = await JWTKeyCollection().add(hmac: HMACKey(from: key.secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.kid))
        byKid[key.kid] = collection
        return collection
    }
}

/// A JWT payload as plain JSON. Claims are checked by ``TokenAuthority`` itself,
/// with a distinct reason each, so jwt-kit's own claim hook does nothing.
struct ClaimSet: JWTPayload {
    var claims: [String: JSONValue]

    init(_ claims: [String: JSONValue]) { self.claims = claims }

    init(from decoder: any Decoder) throws {
        claims = try [String: JSONValue](from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try claims.encode(to: encoder)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
