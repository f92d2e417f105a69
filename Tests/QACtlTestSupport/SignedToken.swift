import Crypto
import Foundation
import Tokens

/// HS256 tokens with any header and claims, signed with a real key: what a buggy
/// issuer, or anyone holding the key, could present. Built byte by byte, not by
/// the code under test.
public enum SignedToken {
    public static func make(header: [String: Any], claims: [String: Any], secret: [UInt8]) -> String {
        let input = base64URL(json(header)) + "." + base64URL(json(claims))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: secret))
        return input + "." + base64URL(Data(mac))
    }

    /// Signed with the data dir's current auth key, under its kid.
    public static func auth(claims: [String: Any], dataDirectory: String) throws -> String {
        guard let key = try KeyStore(dataDirectory: dataDirectory).load(.auth)?.keys.first else {
            throw TestFailure("no auth key in \(dataDirectory)")
        }
        return make(header: ["alg": "HS256", "typ": "JWT", "kid": key.kid], claims: claims, secret: key.secret)
    }

    static func json(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
