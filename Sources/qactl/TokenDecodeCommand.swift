import LocalSetup
import ArgumentParser
import Foundation
import Tokens

struct TokenDecodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Show a token's header, claims, lifetime and shape.",
        discussion: """
            With --verify, also check the signature against the data dir's keys and say \
            whether the token is valid, expired, badly signed, signed with an unknown key \
            or meant for another audience. Exit status: 0 valid (or not verified), 2 not a \
            token, 3 refused.
            """
    )

    @Argument(help: ArgumentHelp("The token, or - to read it from standard input.", valueName: "token"))
    var token: String

    @Flag(help: "Check the signature and claims against the data dir's keys.")
    var verify = false

    @Flag(help: "Print one JSON object.")
    var json = false

    @OptionGroup var data: DataDirectoryOptions

    func run() async throws {
        var text = token
        if token == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        let jwt: CompactJWT
        do {
            jwt = try CompactJWT(text)
        } catch {
            throw fail("not a token: \(error.message)", exit: ExitStatus.usage)
        }
        let now = Date()
        var verification: Result<VerifiedToken, TokenError>?
        if verify {
            do {
                verification = try await TokenVerification.check(jwt, store: data.keyStore, now: now)
            } catch {
                throw fail(error.description)
            }
        }
        let report = TokenReport(jwt: jwt, verification: verification, now: now)
        emit(json ? report.json().jsonText : report.text())
        if case .failure(let error) = verification {
            throw fail("token refused: \(TokenReport.verdict(error.reason)): \(error.message)", exit: ExitStatus.refused)
        }
    }
}
