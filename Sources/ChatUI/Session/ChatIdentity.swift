import Foundation
import LocalSetup
import Tokens

/// Who the chat client is: the user id (the auth token's `sub`) and where the
/// auth token comes from, a fixed `--token` or tokens minted from the data
/// dir's key for `--user` (minted again shortly before they expire).
final class ChatIdentity: Sendable {
    /// The user id, as the server will see it.
    let user: String
    /// For messages: "--token" or "--user alice (keys in DIR)".
    let origin: String
    private let fixedToken: String?
    private let minter: LocalUserTokens?

    private init(user: String, origin: String, fixedToken: String?, minter: LocalUserTokens?) {
        self.user = user
        self.origin = origin
        self.fixedToken = fixedToken
        self.minter = minter
    }

    /// The identity from `--token` or `--user`; one actionable message when neither works.
    static func resolve(token: String?, user: String?, dataDirectory: String) async throws(ChatError) -> ChatIdentity {
        if let token {
            do {
                let (jwt, subject) = try CompactJWT.commandLineAuthToken(token)
                return ChatIdentity(user: subject, origin: "--token", fixedToken: jwt.text, minter: nil)
            } catch {
                throw ChatError(.usage, error.message)
            }
        }
        guard let user else {
            throw ChatError(
                .usage,
                "chat needs an identity: pass --user NAME (mints a token with the signing key in \(dataDirectory), where `qactl serve` keeps it) or --token JWT (from `qactl token mint auth --sub NAME`)")
        }
        let data = DataDirectory(dataDirectory)
        let minter: LocalUserTokens
        do {
            minter = try LocalUserTokens(user: user, dataDirectory: data)
        } catch .noSigningKey(let keysDirectory) {
            throw ChatError(
                .refused,
                "--user \(user): no signing key in \(keysDirectory); run `qactl serve --data-dir \(dataDirectory)` once (it creates the keys), pass the server's --data-dir (or --keys-dir), or use --token JWT")
        } catch {
            throw ChatError(.failure, "--user \(user): \(error)")
        }
        let identity = ChatIdentity(user: user, origin: "--user \(user) (keys in \(data.keyStore.keysDirectory))", fixedToken: nil, minter: minter)
        do {
            _ = try await identity.token()
        } catch {
            throw ChatError(.failure, "--user \(user): cannot mint an auth token: \(error)")
        }
        return identity
    }

    /// The auth token for the next API call.
    func token() async throws -> String {
        if let fixedToken { return fixedToken }
        guard let minter else { throw ChatError(.refused, "no auth token") }
        return try await minter.token()
    }

    /// What to tell a person whose token the server refused.
    var refusalAdvice: String {
        fixedToken != nil
            ? "the server refused --token; mint a fresh one with `qactl token mint auth --sub \(user)` using the server's data dir"
            : "the server refused the token minted for \(origin); use the server's keys (its --data-dir, or the --keys-dir it shares), or use --token"
    }
}
