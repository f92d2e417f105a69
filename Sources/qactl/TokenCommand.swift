import LocalSetup
import ArgumentParser

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue, inspect and rotate qactl's tokens.",
        discussion: """
            Auth tokens (audience qactl:api) say who the user is; shape tokens (audience \
            qactl:shape) grant one shape. Both are HS256 JWTs signed with separate keys \
            kept in the data dir.
            """,
        subcommands: [TokenMintCommand.self, TokenDecodeCommand.self, TokenRotateCommand.self]
    )
}

struct TokenMintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mint",
        abstract: "Print a new token signed with the data dir's key.",
        subcommands: [MintAuthCommand.self, MintShapeCommand.self]
    )
}
