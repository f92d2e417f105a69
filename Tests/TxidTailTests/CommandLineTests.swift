import Foundation
import Testing

/// `qactl tail-txid`'s argv, help and usage errors, as a real process.
struct CommandLineTests {
    private func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, process: ToolProcess) {
        let process = try ToolProcess.qactl(["tail-txid"] + arguments, environment: environment)
        return (try await process.exitStatus(), process)
    }

    @Test func helpListsEveryOption() async throws {
        let (status, process) = try await run(["--help"])
        #expect(status == 0)
        for option in ["--server", "--user", "--token", "--conversation", "--table", "--database-url", "--await", "--timeout", "--from", "--json", "--data-dir"] {
            #expect(process.stdout.contains(option), "help lacks \(option)")
        }
        #expect(process.stdout.contains("temporary slot"))
    }

    @Test func usageErrorsExitTwoWithOneLine() async throws {
        let cases: [([String], String)] = [
            ([], "--user NAME"),
            (["--user", "a", "--from", "later"], "--from later: expected now or start"),
            (["--user", "a", "--timeout", "1s"], "only with --await"),
            (["--database-url", "mysql://x"], "postgres://"),
            (["--database-url", "postgres://x/db", "--conversation", "c-1"], "cannot be combined with --database-url"),
        ]
        for (arguments, message) in cases {
            let (status, process) = try await run(arguments)
            #expect(status == 2, "\(arguments): \(process.stderr)")
            #expect(process.stderr.hasPrefix("qactl: tail-txid: "), "\(arguments): \(process.stderr)")
            #expect(process.stderr.contains(message), "\(arguments): \(process.stderr)")
            #expect(process.stdout.isEmpty)
        }
    }

    @Test func malformedValuesAreArgumentErrors() async throws {
        for arguments in [["--user", "a", "--await", "abc"], ["--user", "a", "--await", "1", "--timeout", "soon"], ["--bogus"]] {
            let (status, process) = try await run(arguments)
            #expect(status == 2, "\(arguments): \(process.stderr)")
            #expect(!process.stderr.isEmpty)
        }
    }

    @Test func environmentSuppliesTheUser() async throws {
        // QACTL_USER is read, then the empty data dir has no key: a failure, not a usage error.
        let empty = TemporaryDirectory()
        let (status, process) = try await run(["--data-dir", empty.path], environment: ["QACTL_USER": "alice"])
        #expect(status == 1)
        #expect(process.stderr.contains("keys_unavailable"), "\(process.stderr)")
    }
}
