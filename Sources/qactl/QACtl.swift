import LocalSetup
import QACtlVersion
import Foundation
import ArgumentParser

@main
struct QACtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qactl",
        abstract: "Build and run real-time apps in the TanStack DB + ElectricSQL style.",
        discussion: """
            qactl serves an API, a shape-token gatekeeper and an Electric-compatible sync \
            service; its clients read live shapes, write through the API and confirm \
            their optimistic writes by txid.
            """,
        version: ReleaseVersion.current,
        subcommands: [ServeCommand.self, ChatCommand.self, TokenCommand.self, TailTxidCommand.self, InspectCommand.self, SlotsCommand.self, BenchCommand.self]
    )

    /// Runs the command, mapping ArgumentParser's usage failures (EX_USAGE, 64)
    /// to exit code 2, as the README's exit codes say.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}
