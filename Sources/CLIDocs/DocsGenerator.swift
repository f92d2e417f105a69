import Foundation
import LocalSetup
import ProcessSpawning

/// Generates every documentation file from the built `qactl` itself: a man page
/// per command (from `--experimental-dump-help`) and the bash, zsh and fish
/// completion scripts (from `--generate-completion-script`). One generator serves
/// `qactl-docs` (which writes them) and the test that fails when they are stale.
public struct DocsGenerator: Sendable {
    /// Pinned so the committed pages only change when the commands do.
    public static let manualDate = "November 29, 2026"

    public static let exitStatus: [(code: Int, meaning: String)] = ExitStatus.allCases.map { (Int($0.rawValue), $0.meaning) }

    public let executable: String

    public init(executable: String) {
        self.executable = executable
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The generated source holding the built-in answerer's documents.
    public static let knowledgePath = "Sources/Answering/BuiltinDocumentation+Generated.swift"

    /// Path relative to the repository root `root` → file contents.
    public func files(root: String) throws -> [String: String] {
        let dump = try run(["--experimental-dump-help"])
        let info: ToolInfo
        do {
            info = try JSONDecoder().decode(ToolInfo.self, from: Data(dump.utf8))
        } catch {
            throw Failure(description: "cannot read --experimental-dump-help output: \(error)")
        }
        var files: [String: String] = [:]
        func add(_ command: CommandInfo, path: [String]) {
            let page = ManPage(path: path, command: command, date: Self.manualDate)
            files["man/\(page.fileName)"] = page.render(exitStatus: Self.exitStatus)
            for sub in command.subcommands ?? [] where sub.commandName != "help" && sub.shouldDisplay != false {
                add(sub, path: path + [sub.commandName])
            }
        }
        add(info.command, path: [info.command.commandName])
        let guide = CommandGuide(tool: info).render(exitStatus: Self.exitStatus)
        guard let readme = FileManager.default.contents(atPath: root + "/README.md") else {
            throw Failure(description: "cannot read \(root)/README.md")
        }
        files[Self.knowledgePath] = KnowledgeSource.swift(documents: [
            ("README.md", String(decoding: readme, as: UTF8.self)), ("commands.md", guide),
        ])
        files[ConsoleAssetsSource.path] = ConsoleAssetsSource.swift(files: try ConsoleAssetsSource.files(root: root))
        files["completions/qactl.bash"] = try run(["--generate-completion-script", "bash"])
        files["completions/_qactl"] = try run(["--generate-completion-script", "zsh"])
        files["completions/qactl.fish"] = try run(["--generate-completion-script", "fish"])
        return files
    }

    /// Names of files under `root` that differ from, are missing from, or are not
    /// part of what ``files()`` generates. Empty when the docs are current.
    public func staleFiles(root: String) throws -> [String] {
        let expected = try files(root: root)
        var stale: [String] = []
        for (path, content) in expected.sorted(by: { $0.key < $1.key }) {
            let current = FileManager.default.contents(atPath: root + "/" + path).map { String(decoding: $0, as: UTF8.self) }
            if current != content { stale.append(path) }
        }
        for directory in ["man", "completions"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + directory)) ?? []
            for name in names where expected["\(directory)/\(name)"] == nil {
                stale.append("\(directory)/\(name) (not generated any more)")
            }
        }
        return stale
    }

    /// Writes the generated files under `root`, removing ones no longer generated.
    public func write(root: String) throws {
        let expected = try files(root: root)
        for directory in ["man", "completions"] {
            let full = root + "/" + directory
            try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
            for name in try FileManager.default.contentsOfDirectory(atPath: full) where expected["\(directory)/\(name)"] == nil {
                try FileManager.default.removeItem(atPath: full + "/" + name)
            }
        }
        for (path, content) in expected {
            try Data(content.utf8).write(to: URL(fileURLWithPath: root + "/" + path))
        }
    }

    private func run(_ arguments: [String]) throws -> String {
        // The completion scripts and help must not depend on who runs the generator.
        let process = try SpawnedProcess(
            executable, arguments, environment: ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"], standardOutput: .pipe, standardError: .null)
        let output = ProcessOutput(of: process)
        let ended = process.waitBlocking()
        output.waitUntilEnd()
        guard ended == .exited(0) else {
            throw Failure(description: "\(executable) \(arguments.joined(separator: " ")) ended with \(ended)")
        }
        return output.standardOutput
    }
}
