import Foundation
import Synchronization

/// Tokens this authority has verified, by their exact text: a client sends
/// the same token on every request, and checking its signature and claims
/// again each time was a fifth of the server's CPU under load. Only the time
/// checks are repeated on a hit; the text is immutable and the keys of an
/// authority never change, so nothing else can differ. Bounded: when full it
/// starts over (a miss only costs one full verification).
final class VerifiedTokenCache: Sendable {
    struct Entry: Sendable {
        let token: VerifiedToken
        /// The earliest time the token is valid (nbf and iat, less the leeway).
        let validFrom: Date
        /// The latest (exp plus the leeway).
        let validUntil: Date
    }

    static let capacity = 8192
    private let entries = Mutex<[String: Entry]>([:])

    func lookup(_ text: String, kind: TokenKind, now: Date) -> VerifiedToken? {
        guard let entry = entries.withLock({ $0[text] }), entry.token.kind == kind,
            entry.validFrom <= now, now <= entry.validUntil
        else { return nil }
        return entry.token
    }

    func store(_ text: String, _ entry: Entry) {
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[text] = entry
        }
    }
}
