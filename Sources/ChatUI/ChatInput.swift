import Foundation

/// One line typed into the composer (interactive) or read from stdin (plain):
/// a question, or one of the slash commands.
///
/// `//text` sends `/text` as a question.
enum ChatInput: Sendable, Equatable {
    case message(String)
    /// `/new [TITLE]`
    case new(title: String?)
    /// `/list`
    case list
    /// `/switch ID`
    case switchTo(String)
    /// `/outbox`: queued and refused writes (questions, new conversations); `/outbox clear` forgets the refused ones.
    case outbox(clear: Bool)
    /// `/help`
    case help
    /// `/quit` (also `/exit`)
    case quit
    /// A command that cannot be carried out; the message says why.
    case invalid(String)

    /// The input a line stands for; nil for a blank line.
    static func parse(_ line: String) -> ChatInput? {
        let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        guard text.hasPrefix("/") else { return .message(text) }
        if text.hasPrefix("//") { return .message(String(text.dropFirst())) }
        let parts = text.dropFirst().split(maxSplits: 1, whereSeparator: \.isWhitespace)
        let name = parts.first.map { $0.lowercased() } ?? ""
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch name {
        case "new":
            guard argument.count <= 200 else { return .invalid("/new: a title is at most 200 characters") }
            return .new(title: argument.isEmpty ? nil : argument)
        case "list", "ls":
            return .list
        case "switch", "open":
            guard !argument.isEmpty, !argument.contains(where: \.isWhitespace) else {
                return .invalid("usage: /switch ID (see /list for the ids)")
            }
            return .switchTo(argument)
        case "outbox":
            switch argument.lowercased() {
            case "": return .outbox(clear: false)
            case "clear": return .outbox(clear: true)
            default: return .invalid("usage: /outbox lists queued and refused writes; /outbox clear forgets the refused ones")
            }
        case "quit", "exit", "q":
            return .quit
        case "help", "?":
            return .help
        default:
            return .invalid("unknown command /\(name); /help lists the commands (start with // to send a line that begins with /)")
        }
    }

    /// What `/help` shows.
    static let helpText = """
        commands: /new TITLE starts a conversation · /list shows yours · /switch ID opens one · /outbox shows queued questions · /quit leaves
        keys: Enter sends · PgUp/PgDn and ↑/↓ scroll · Esc or End follows the newest · Ctrl-C or Ctrl-D (on an empty line) quits
        """
}
