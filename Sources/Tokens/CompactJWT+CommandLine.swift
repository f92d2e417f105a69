extension CompactJWT {
    /// An auth token given to a command as `--token` (or `QACTL_TOKEN`), checked
    /// before anything is sent: garbage is a usage error, the same for every
    /// command, not a refusal from the server.
    public static func commandLineAuthToken(_ text: String) throws(TokenError) -> (jwt: CompactJWT, user: String) {
        let jwt: CompactJWT
        do {
            jwt = try CompactJWT(text)
        } catch {
            throw TokenError(.malformed, "--token: not a JWT (\(error.message)); mint one with `qactl token mint auth --sub NAME`")
        }
        guard let user = jwt.claims["sub"]?.stringValue, !user.isEmpty else {
            throw TokenError(.malformed, "--token: the token names no user (no sub claim)")
        }
        return (jwt, user)
    }
}
