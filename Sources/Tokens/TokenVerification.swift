import Foundation

/// Verifies a token of either kind against the keys of a data dir, without
/// creating keys: an empty store knows no key, so every token is "unknown key".
public enum TokenVerification {
    public static func check(_ jwt: CompactJWT, store: KeyStore, now: Date = Date()) async throws(KeyStoreError) -> Result<VerifiedToken, TokenError> {
        let authority = TokenAuthority(
            authKeys: try store.load(.auth) ?? KeySet(kind: .auth, keys: []),
            shapeKeys: try store.load(.shape) ?? KeySet(kind: .shape, keys: [])
        )
        // Verify as the kind the token claims; a token claiming neither is checked
        // as an auth token, which names its audience as the problem.
        let kind = jwt.claimedKind ?? .auth
        do {
            return .success(try await authority.verify(jwt, as: kind, now: now))
        } catch {
            return .failure(error)
        }
    }
}
