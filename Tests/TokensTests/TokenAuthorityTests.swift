import Foundation
import Testing
@testable import Tokens

struct TokenAuthorityTests {
    let authKey = SigningKey.generate(for: .auth)
    let shapeKey = SigningKey.generate(for: .shape)
    var authority: TokenAuthority {
        TokenAuthority(authKeys: KeySet(kind: .auth, keys: [authKey]), shapeKeys: KeySet(kind: .shape, keys: [shapeKey]))
    }

    func reason(_ token: String, as kind: TokenKind, now: Date = Date()) async -> TokenError.Reason? {
        do {
            _ = try await authority.verify(token, as: kind, now: now)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func mintedTokensVerifyAsTheirKind() async throws {
        let auth = try await authority.mintAuth(subject: "alice")
        let verified = try await authority.verify(auth.token, as: .auth)
        #expect(verified.subject == "alice")
        #expect(verified.kind == .auth)
        #expect(verified.keyID == authKey.kid)
        #expect(verified.expiresAt.timeIntervalSince(verified.issuedAt) == 12 * 3600)

        let grant = ShapeGrant(table: "messages", where: "conversation_id = $1", params: ["c-1"])
        let shape = try await authority.mintShape(subject: "alice", shape: grant, lifetime: .seconds(300))
        let verifiedShape = try await authority.verify(shape.token, as: .shape)
        #expect(verifiedShape.shape == grant)
        #expect(verifiedShape.tokenID != nil)
        #expect(verifiedShape.expiresAt.timeIntervalSince(verifiedShape.issuedAt) == 300)
    }

    @Test func refusesUnsignedAndOtherAlgorithms() async {
        let none = ForgedToken.base64url(ForgedToken.json(["alg": "none", "kid": authKey.kid])) + "."
            + ForgedToken.base64url(ForgedToken.json(ForgedToken.claims(.auth))) + "."
        #expect(await reason(none, as: .auth) == .unsupportedAlgorithm)
        let hs384 = ForgedToken.sign(.auth, with: authKey, header: ["alg": "HS384", "kid": authKey.kid])
        #expect(await reason(hs384, as: .auth) == .unsupportedAlgorithm)
    }

    @Test func refusesUnknownOrMissingKid() async {
        // jwt-kit would fall back to its first key here; the token must still be refused.
        let unknown = ForgedToken.sign(.auth, with: authKey, header: ["alg": "HS256", "kid": "nope"])
        #expect(await reason(unknown, as: .auth) == .unknownKey)
        let missing = ForgedToken.sign(.auth, with: authKey, header: ["alg": "HS256"])
        #expect(await reason(missing, as: .auth) == .unknownKey)
    }

    @Test func refusesBadSignatures() async {
        let token = ForgedToken.sign(.auth, with: authKey)
        var bytes = Array(token.utf8)
        let index = bytes.count - 5
        bytes[index] = bytes[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(await reason(String(decoding: bytes, as: UTF8.self), as: .auth) == .badSignature)
        // Same kid, another secret: re-signed by someone who does not hold the key.
        let impostor = SigningKey(kid: authKey.kid, secret: SigningKey.generate(for: .auth).secret, createdAt: Date())
        #expect(await reason(ForgedToken.sign(.auth, with: impostor), as: .auth) == .badSignature)
        // Claims changed after signing.
        let parts = token.split(separator: ".")
        var claims = ForgedToken.claims(.auth)
        claims["sub"] = "mallory"
        let altered = "\(parts[0]).\(ForgedToken.base64url(ForgedToken.json(claims))).\(parts[2])"
        #expect(await reason(altered, as: .auth) == .badSignature)
    }

    @Test func refusesCriticalExtensionsAndNonCanonicalEncodings() async {
        let critical = ForgedToken.sign(.auth, with: authKey, header: ["alg": "HS256", "kid": authKey.kid, "crit": ["exp"]])
        #expect(await reason(critical, as: .auth) == .malformed)
        // A 32-byte HMAC is 43 base64url characters; the last carries 2 unused bits.
        // Setting them decodes to the same bytes but is another text: refused.
        let token = ForgedToken.sign(.auth, with: authKey)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let last = token.last!
        let index = alphabet.firstIndex(of: last)!
        let twin = String(token.dropLast()) + String(alphabet[index | 1])
        #expect(await reason(token, as: .auth) == nil)
        #expect(await reason(twin, as: .auth) == .malformed)
    }

    @Test func refusesControlCharactersInTheUserID() async {
        var claims = ForgedToken.claims(.auth)
        claims["sub"] = "alice\u{0}admin"
        #expect(await reason(ForgedToken.sign(.auth, with: authKey, claims: claims), as: .auth) == .malformed)
    }

    @Test func refusesTheOtherKind() async throws {
        let auth = try await authority.mintAuth(subject: "alice").token
        #expect(await reason(auth, as: .shape) == .wrongKind)
        let grant = ShapeGrant(table: "conversations", where: "user_id = $1", params: ["alice"])
        let shape = try await authority.mintShape(subject: "alice", shape: grant).token
        #expect(await reason(shape, as: .auth) == .wrongKind)
        // Signed with the auth key but claiming the shape audience: still the wrong kind.
        let confused = ForgedToken.sign(.shape, with: authKey, claims: ForgedToken.claims(.shape))
        #expect(await reason(confused, as: .shape) == .wrongKind)
    }

    @Test func refusesWrongAudienceAndIssuer() async {
        var claims = ForgedToken.claims(.auth)
        claims["aud"] = "someone-else"
        #expect(await reason(ForgedToken.sign(.auth, with: authKey, claims: claims), as: .auth) == .wrongAudience)
        claims = ForgedToken.claims(.auth)
        claims["iss"] = "evil"
        #expect(await reason(ForgedToken.sign(.auth, with: authKey, claims: claims), as: .auth) == .wrongIssuer)
    }

    @Test func refusesExpiredAndNotYetValidWithLeeway() async {
        let now = Date()
        let expiredLongAgo = ForgedToken.claims(.auth, now: now.addingTimeInterval(-3600), lifetime: 60)
        #expect(await reason(ForgedToken.sign(.auth, with: authKey, claims: expiredLongAgo), as: .auth) == .expired)
        // Expired 10 s ago: inside the 30 s clock-skew leeway.
        let justExpired = ForgedToken.claims(.auth, now: now.addingTimeInterval(-70), lifetime: 60)
        #expect(await reason(ForgedToken.sign(.auth, with: authKey, claims: justExpired), as: .auth) == nil)
        var future = ForgedToken.claims(.auth, now: now)
        future["nbf"] = Int(now.timeIntervalSince1970) + 600
        #expect(await reason(ForgedToken.sign(.auth, with: authKey, claims: future), as: .auth) == .notYetValid)
    }

    @Test func refusesMissingClaims() async {
        for claim in ["sub", "exp", "iat"] {
            var claims = ForgedToken.claims(.auth)
            claims.removeValue(forKey: claim)
            #expect(await reason(ForgedToken.sign(.auth, with: authKey, claims: claims), as: .auth) == .missingClaim, "without \(claim)")
        }
    }

    @Test func refusesMissingOrMalformedShapeClaims() async {
        let malformed: [Any?] = [
            nil, "messages", ["where": "x = $1", "params": []],
            ["table": "", "where": "x", "params": []], ["table": "messages", "params": ["c-1"]],
            ["table": "messages", "where": "conversation_id = $1", "params": "c-1"],
            ["table": "messages", "where": "conversation_id = $1", "params": [1]],
        ]
        for shape in malformed {
            var claims = ForgedToken.claims(.shape)
            claims["shape"] = shape
            #expect(await reason(ForgedToken.sign(.shape, with: shapeKey, claims: claims), as: .shape) == .invalidShape, "shape \(String(describing: shape))")
        }
    }

    @Test func refusesGarbage() async {
        for garbage in ["", "   ", "garbage", "a.b", "a.b.c.d", "!!!.???.***", "e30.e30", "bm90IGpzb24.bm90IGpzb24.c2ln", "W10.W10.c2ln"] {
            #expect(await reason(garbage, as: .auth) == .malformed, "\(garbage)")
        }
    }
}

struct DurationTextTests {
    @Test func parsesTheFormsPeopleType() {
        #expect(DurationText.parse("5m") == .seconds(300))
        #expect(DurationText.parse("30s") == .seconds(30))
        #expect(DurationText.parse("250ms") == .milliseconds(250))
        #expect(DurationText.parse("1h30m") == .seconds(5400))
        #expect(DurationText.parse("2d") == .seconds(172_800))
        #expect(DurationText.parse("45") == .seconds(45))
        for bad in ["", "m", "5x", "-5m", "5m3", "1.5h", "99999999999999999999d"] {
            #expect(DurationText.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func formatsTheTwoLargestUnits() {
        #expect(DurationText.format(.seconds(252)) == "4m12s")
        #expect(DurationText.format(.seconds(3 * 3600)) == "3h")
        #expect(DurationText.format(.seconds(11 * 3600 + 59 * 60 + 30)) == "11h59m")
        #expect(DurationText.format(.milliseconds(250)) == "250ms")
        #expect(DurationText.format(.seconds(3600 + 5)) == "1h")
    }
}
