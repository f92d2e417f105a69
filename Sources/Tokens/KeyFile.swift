import Foundation

/// The on-disk form of a ``KeySet``: `keys/<kind>.json` in the data dir.
struct KeyFile: Codable {
    struct Entry: Codable {
        var kid: String
        var algorithm: String
        /// base64url of the secret bytes.
        var secret: String
        var createdAt: Date
    }

    static let currentVersion = 1

    var version: Int
    var kind: TokenKind
    var keys: [Entry]

    init(_ set: KeySet) {
        version = Self.currentVersion
        kind = set.kind
        keys = set.keys.map {
            Entry(kid: $0.kid, algorithm: SigningKey.algorithm, secret: Base64URL.encode($0.secret), createdAt: $0.createdAt)
        }
    }

    static func decode(_ data: Data, kind: TokenKind, path: String) throws(KeyStoreError) -> KeySet {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = KeyFile.dateFormatter().date(from: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 time"))
            }
            return date
        }
        guard let file = try? decoder.decode(KeyFile.self, from: data) else {
            throw KeyStoreError(path: path, "corrupt key file (not the JSON qactl writes); restore it from a backup or remove it to start over with new keys (every token signed with it stops verifying)")
        }
        guard file.version == currentVersion else {
            throw KeyStoreError(path: path, "key file version \(file.version) is not supported by this qactl (expected \(currentVersion))")
        }
        guard file.kind == kind else {
            throw KeyStoreError(path: path, "holds \(file.kind.rawValue) keys, expected \(kind.rawValue) keys")
        }
        guard !file.keys.isEmpty else {
            throw KeyStoreError(path: path, "corrupt key file: it lists no keys")
        }
        var seen = Set<String>()
        let keys = try file.keys.map { entry throws(KeyStoreError) -> SigningKey in
            guard !entry.kid.isEmpty, seen.insert(entry.kid).inserted else {
                throw KeyStoreError(path: path, "corrupt key file: empty or duplicate kid \"\(entry.kid)\"")
            }
            guard entry.algorithm == SigningKey.algorithm else {
                throw KeyStoreError(path: path, "key \(entry.kid) uses \(entry.algorithm); only \(SigningKey.algorithm) is supported")
            }
            guard let secret = Base64URL.decode(Substring(entry.secret)), secret.count >= SigningKey.minimumSecretBytes else {
                throw KeyStoreError(path: path, "corrupt key file: key \(entry.kid) has a truncated or undecodable secret (at least \(SigningKey.minimumSecretBytes) bytes required)")
            }
            return SigningKey(kid: entry.kid, secret: [UInt8](secret), createdAt: entry.createdAt)
        }
        return KeySet(kind: kind, keys: keys.sorted { $0.createdAt < $1.createdAt })
    }

    /// ISO 8601 with milliseconds: key creation times order the keys, so keep them exact.
    static func dateFormatter() -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(KeyFile.dateFormatter().string(from: date))
        }
        return try encoder.encode(self)
    }
}
