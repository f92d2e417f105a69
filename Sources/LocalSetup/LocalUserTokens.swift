import Foundation
import Synchronization
import Tokens

/// Auth tokens for one user, signed with the data dir's auth key, as
/// `qactl chat --user` and `qactl tail-txid --user` use them: the key is read,
/// never created (a new key would sign tokens the server does not know), and
/// a token is minted again shortly before it expires.
public final class LocalUserTokens: Sendable {
    /// Why tokens cannot be minted from the data dir.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// The key file exists but cannot be used (unreadable, corrupt, too open).
        case unreadableKeys(String)
        /// No auth signing key in the data dir: `qactl serve` was never run on it.
        case noSigningKey(keysDirectory: String)

        public var description: String {
            switch self {
            case .unreadableKeys(let reason): "cannot read the signing keys: \(reason)"
            case .noSigningKey(let directory): "no auth signing key in \(directory)"
            }
        }
    }

    /// Tokens live this long, and are replaced this long before they expire.
    public static let lifetime: Duration = .seconds(12 * 3600)
    static let renewMargin: TimeInterval = 300

    public let user: String
    private let authority: TokenAuthority
    private let minted = Mutex<(token: String, expiresAt: Date)?>(nil)

    /// Reads the auth key of `dataDirectory`.
    public init(user: String, dataDirectory: DataDirectory) throws(Failure) {
        let store = dataDirectory.keyStore
        let keys: KeySet?
        do {
            keys = try store.load(.auth)
        } catch {
            throw .unreadableKeys(error.description)
        }
        guard let keys, keys.signingKey != nil else { throw .noSigningKey(keysDirectory: store.keysDirectory) }
        self.user = user
        // Only auth tokens are minted here: no shape keys are needed.
        authority = TokenAuthority(authKeys: keys, shapeKeys: KeySet(kind: .shape, keys: []))
    }

    /// A valid auth token for ``user``.
    public func token() async throws -> String {
        if let current = minted.withLock({ $0 }), current.expiresAt.timeIntervalSinceNow > Self.renewMargin {
            return current.token
        }
        let fresh = try await authority.mintAuth(subject: user, lifetime: Self.lifetime)
        minted.withLock { $0 = (fresh.token, fresh.expiresAt) }
        return fresh.token
    }
}
