import LocalSetup
import ArgumentParser
import Foundation
import Tokens

struct MintAuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Mint an auth token for a user.",
        discussion: "For development: in production an identity provider issues auth tokens."
    )

    @Option(help: ArgumentHelp("The user id (sub claim).", valueName: "user"))
    var sub: String

    @Option(help: ArgumentHelp("How long the token is valid, e.g. 12h, 30m.", valueName: "duration"))
    var ttl = DurationArgument(TokenKind.auth.defaultLifetime)

    @Flag(help: "Print one JSON object instead of the bare token.")
    var json = false

    @OptionGroup var data: DataDirectoryOptions

    func validate() throws {
        guard !sub.isEmpty else { throw ValidationError("--sub must not be empty") }
        guard !ClaimText.hasControlCharacters(sub) else { throw ValidationError("--sub must not contain control characters") }
    }

    func run() async throws {
        let minted = try await mintToken(data: data) { try await $0.mintAuth(subject: sub, lifetime: ttl.duration) }
        printMinted(minted, kind: .auth, json: json)
    }
}

struct MintShapeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shape",
        abstract: "Mint a shape token (operator tool: no ownership check).",
        discussion: """
            messages needs --param conversationId=ID and grants that conversation's \
            messages; conversations grants the user's own conversations.
            """
    )

    @Option(help: ArgumentHelp("The user id (sub claim).", valueName: "user"))
    var sub: String

    @Option(help: ArgumentHelp("The table: messages or conversations.", valueName: "table"))
    var table: String

    @Option(name: .customLong("param"), help: ArgumentHelp("A shape parameter, e.g. conversationId=c-1 (repeatable).", valueName: "name=value"))
    var params: [String] = []

    @Option(help: ArgumentHelp("How long the token is valid, e.g. 5m.", valueName: "duration"))
    var ttl = DurationArgument(TokenKind.shape.defaultLifetime)

    @Flag(help: "Print one JSON object instead of the bare token.")
    var json = false

    @OptionGroup var data: DataDirectoryOptions

    func run() async throws {
        var values: [String: String] = [:]
        for param in params {
            guard let equals = param.firstIndex(of: "="), equals != param.startIndex else {
                throw fail("--param \(param): expected name=value", exit: ExitStatus.usage)
            }
            let name = String(param[..<equals])
            guard values[name] == nil else { throw fail("--param \(name) is given twice; a shape takes one value for each", exit: ExitStatus.usage) }
            values[name] = String(param[param.index(after: equals)...])
        }
        guard !sub.isEmpty else { throw fail("--sub must not be empty", exit: ExitStatus.usage) }
        guard !ClaimText.hasControlCharacters(sub) else { throw fail("--sub must not contain control characters", exit: ExitStatus.usage) }
        if let known = ShapeGrant.parameters(of: table), let unknown = values.keys.sorted().first(where: { !known.contains($0) }) {
            let takes = known.isEmpty ? "it takes none" : "it takes " + known.joined(separator: ", ")
            throw fail("--param \(unknown): \(table) has no such parameter (\(takes))", exit: ExitStatus.usage)
        }
        let shape: ShapeGrant
        do {
            shape = try ShapeGrant.rule(table: table, params: values, subject: sub)
        } catch {
            throw fail(error.description, exit: ExitStatus.usage)
        }
        let minted = try await mintToken(data: data) { try await $0.mintShape(subject: sub, shape: shape, lifetime: ttl.duration) }
        printMinted(minted, kind: .shape, json: json)
    }
}

private func mintToken(data: DataDirectoryOptions, _ mint: (TokenAuthority) async throws -> TokenAuthority.Minted) async throws -> TokenAuthority.Minted {
    let authority: TokenAuthority
    do {
        authority = try TokenAuthority(store: data.keyStore)
    } catch {
        throw fail(error.description)
    }
    return try await mint(authority)
}

private func printMinted(_ minted: TokenAuthority.Minted, kind: TokenKind, json: Bool) {
    guard json else { return emit(minted.token) }
    let object: JSONValue = .object([
        "token": .string(minted.token),
        "kind": .string(kind.rawValue),
        "kid": .string(minted.keyID),
        "issuedAt": .string(ISO8601DateFormatter().string(from: minted.issuedAt)),
        "expiresAt": .string(ISO8601DateFormatter().string(from: minted.expiresAt)),
    ])
    emit(object.jsonText)
}
