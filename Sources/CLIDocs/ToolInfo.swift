/// The command tree as `--experimental-dump-help` prints it (ArgumentParser's
/// ToolInfo JSON), decoded leniently: only what the man pages show.
public struct ToolInfo: Decodable, Sendable {
    public let command: CommandInfo
}

public struct CommandInfo: Decodable, Sendable {
    public let commandName: String
    public let abstract: String?
    public let discussion: String?
    public let shouldDisplay: Bool?
    public let arguments: [ArgumentInfo]?
    public let subcommands: [CommandInfo]?
}

public struct ArgumentInfo: Decodable, Sendable {
    public struct Name: Decodable, Sendable {
        public let kind: String
        public let name: String
    }

    public let kind: String
    public let names: [Name]?
    public let valueName: String?
    public let abstract: String?
    public let discussion: String?
    public let isOptional: Bool?
    public let isRepeating: Bool?
    public let shouldDisplay: Bool?
    public let defaultValue: String?
    public let allValues: [String]?
}
