/// Renders one command of the tree as an mdoc(7) page.
public struct ManPage: Sendable {
    /// The command path, e.g. `["qactl", "token", "mint", "auth"]`.
    public let path: [String]
    public let command: CommandInfo
    /// The `.Dd` date, pinned so pages do not change every day.
    public let date: String

    /// `qactl-token-mint-auth.1`.
    public var fileName: String { path.joined(separator: "-") + ".1" }

    private var visibleSubcommands: [CommandInfo] {
        (command.subcommands ?? []).filter { $0.commandName != "help" && $0.shouldDisplay != false }
    }

    private var visibleArguments: [ArgumentInfo] {
        (command.arguments ?? []).filter { $0.shouldDisplay != false }
    }

    public func render(exitStatus: [(code: Int, meaning: String)]) -> String {
        var out: [String] = []
        out.append(".Dd \(date)")
        out.append(".Dt \(path.joined(separator: "-").uppercased()) 1")
        out.append(".Os")
        out.append(".Sh NAME")
        out.append(".Nm \(path.joined(separator: " "))")
        out.append(".Nd \(Self.escape(command.abstract ?? ""))")
        out.append(".Sh SYNOPSIS")
        out.append(".Nm \(path.joined(separator: " "))")
        for argument in visibleArguments { out.append(synopsis(argument)) }
        if !visibleSubcommands.isEmpty { out.append(".Ar subcommand") }
        if let discussion = command.discussion ?? command.abstract {
            out.append(".Sh DESCRIPTION")
            out.append(Self.escape(discussion))
        }
        if !visibleArguments.isEmpty {
            out.append(".Sh OPTIONS")
            out.append(".Bl -tag -width 6n")
            for argument in visibleArguments {
                out.append(".It \(usage(argument))")
                var text = argument.abstract ?? ""
                if let values = argument.allValues, !values.isEmpty, argument.kind != "flag" {
                    text += " (values: \(values.joined(separator: ", ")))"
                }
                if let value = argument.defaultValue, !value.isEmpty, argument.kind != "flag" {
                    text += " (default: \(value))"
                }
                out.append(Self.escape(text))
                if let discussion = argument.discussion, !discussion.isEmpty { out.append(Self.escape(discussion)) }
            }
            out.append(".El")
        }
        if !visibleSubcommands.isEmpty {
            out.append(".Sh SUBCOMMANDS")
            out.append(".Bl -tag -width 6n")
            for sub in visibleSubcommands {
                out.append(".It Cm \(sub.commandName)")
                out.append(Self.escape(sub.abstract ?? ""))
                out.append("See")
                out.append(".Xr \((path + [sub.commandName]).joined(separator: "-")) 1 .")
            }
            out.append(".El")
        }
        out.append(".Sh EXIT STATUS")
        out.append(".Bl -tag -width 3n")
        for (code, meaning) in exitStatus {
            out.append(".It \(code)")
            out.append(Self.escape(meaning))
        }
        out.append(".El")
        if path.count > 1 {
            out.append(".Sh SEE ALSO")
            out.append(".Xr \(path.dropLast().joined(separator: "-")) 1")
        }
        return out.joined(separator: "\n") + "\n"
    }

    private func usage(_ argument: ArgumentInfo) -> String {
        let value = argument.valueName ?? "value"
        switch argument.kind {
        case "positional":
            return "Ar \(value)"
        case "flag":
            return names(argument)
        default:
            return "\(names(argument)) Ar \(value)"
        }
    }

    private func names(_ argument: ArgumentInfo) -> String {
        (argument.names ?? []).map { name in
            name.kind == "long" ? "Fl -\(name.name)" : "Fl \(name.name)"
        }.joined(separator: " , ")
    }

    private func synopsis(_ argument: ArgumentInfo) -> String {
        let first: String
        if argument.kind == "positional" {
            first = "Ar \(argument.valueName ?? "value")"
        } else {
            let name = (argument.names ?? []).first { $0.kind == "long" } ?? argument.names?.first
            let flag = name.map { $0.kind == "long" ? "Fl -\($0.name)" : "Fl \($0.name)" } ?? ""
            first = argument.kind == "flag" ? flag : "\(flag) Ar \(argument.valueName ?? "value")"
        }
        let repeated = argument.isRepeating == true ? " No ..." : ""
        return argument.isOptional == true ? ".Op \(first)\(repeated)" : ".\(first)\(repeated)"
    }

    /// Text safe for an mdoc body line: backslashes escaped, no leading control dot.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\e")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in
                if line.isEmpty { return ".Pp" }
                return line.hasPrefix(".") || line.hasPrefix("'") ? "\\&" + line : String(line)
            }
            .joined(separator: "\n")
    }
}
