import Foundation
import QACtlTestSupport
import Testing

/// Examples/QAClient, a package of its own that depends on this one by path, built
/// and run against a real `qactl serve`: the QACtlSync product used from outside.
@Suite(.serialized)
struct ExampleAppTests {
    /// Builds the example once per test run. Its scratch path sits inside this
    /// package's .build, so later runs are incremental and git ignores it.
    static let built: Task<String, any Error> = Task {
        let package = repositoryRoot + "/Examples/QAClient"
        let scratch = repositoryRoot + "/.build/examples/QAClient"
        guard let swift = findOnPath("swift") else { throw TestFailure("no swift on PATH to build the example with") }
        let build = try await runProcess(swift, ["build", "--package-path", package, "--scratch-path", scratch, "--product", "qa-client"])
        guard build.status == 0 else { throw TestFailure("the example did not build:\n\(build.stdout)\n\(build.stderr)") }
        return scratch + "/debug/qa-client"
    }

    @Test(.timeLimit(.minutes(20)))
    func asksAQuestionShowsItOptimisticallyAndPrintsTheAnswer() async throws {
        let client = try await Self.built.value
        let data = TemporaryDirectory(), replicas = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: data.path)
        let token = try await server.authToken("alice")

        let first = try await runProcess(
            client, ["--server", server.baseURL, "--token", token, "--replicas", replicas.path, "How do I mint a shape token?"])
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        let conversation = try #require(first.lines.first { $0.hasPrefix("conversation ") }).dropFirst("conversation ".count)
        #expect(first.lines.contains("replica 0 rows"))
        #expect(first.lines.contains("optimistic 2 rows"))
        #expect(first.lines.contains { $0.hasPrefix("confirmed in ") })
        #expect(first.lines.contains("answer completed"))
        #expect(first.stdout.contains("qactl token mint shape"), "the builtin answer explains minting: \(first.stdout)")

        // The same conversation again: the local replica shows both earlier messages before any network.
        let second = try await runProcess(
            client, ["--server", server.baseURL, "--token", token, "--replicas", replicas.path, "--conversation", String(conversation),
                     "What is a shape token?"])
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(second.lines.contains("replica 2 rows"))
        try await server.stop()
    }

    @Test(.timeLimit(.minutes(20)))
    func reportsTheSameVersionAsQactl() async throws {
        let client = try await Self.built.value
        let example = try await runProcess(client, ["--version"])
        let tool = try await runProcess(TestServer.executable, ["--version"])
        #expect(example.status == 0 && tool.status == 0)
        #expect(example.stdout == tool.stdout)
    }

    @Test(.timeLimit(.minutes(20)))
    func aRefusedTokenIsATypedErrorAndExitStatus3() async throws {
        let client = try await Self.built.value
        let data = TemporaryDirectory(), other = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: data.path)
        // Signed with another data dir's key: the server does not know it.
        let stranger = try await mintAuthToken("mallory", dataDirectory: other.path)

        let refused = try await runProcess(client, ["--server", server.baseURL, "--token", stranger, "Hello?"])
        #expect(refused.status == 3)
        #expect(refused.stderr.hasPrefix("qa-client: refused: "), "\(refused.stderr)")
        try await server.stop()
    }
}

/// `name` in a directory of `$PATH`.
func findOnPath(_ name: String) -> String? {
    (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}
