import Crypto
import Foundation
@testable import Tokens

/// Builds JWTs byte by byte, so tests can make the tokens an attacker or a buggy
/// issuer would: any header, any claims, any key, any algorithm.
enum ForgedToken {
    static func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func json(_ object: [String: Any]) -> Data {
        try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    /// An HS256 (or HS384 when `alg` says so) token signed with `secret`.
    static func make(header: [String: Any], claims: [String: Any], secret: [UInt8]) -> String {
        let input = base64url(json(header)) + "." + base64url(json(claims))
        let key = SymmetricKey(data: secret)
        let signature: Data
        if header["alg"] as? String == "HS384" {
            signature = Data(HMAC<SHA384>.authenticationCode(for: Data(input.utf8), using: key))
        } else {
            signature = Data(HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: key))
        }
        return input + "." + base64url(signature)
    }

    /// The claims qactl itself would put in a token of `kind`, as of `now`.
    static func claims(_ kind: TokenKind, subject: String = "alice", now: Date = Date(), lifetime: TimeInterval = 300) -> [String: Any] {
        var claims: [String: Any] = [
            "sub": subject, "iss": "qactl", "aud": kind.audience,
            "iat": Int(now.timeIntervalSince1970), "exp": Int(now.timeIntervalSince1970 + lifetime),
        ]
        if kind == .shape {
            claims["jti"] = "j-1"
            claims["shape"] = ["table": "messages", "where": "conversation_id = $1", "params": ["c-1"]]
        }
        return claims
    }

    static func sign(_ kind: TokenKind, with key: SigningKey, claims: [String: Any]? = nil, header: [String: Any]? = nil) -> String {
        make(header: header ?? ["alg": "HS256", "typ": "JWT", "kid": key.kid], claims: claims ?? self.claims(kind), secret: key.secret)
    }
}

/// A fresh data dir under the temp dir, removed when the value is dropped by the test.
struct TemporaryDirectory: ~Copyable {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "/qactl-test-XXXXXX").utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
