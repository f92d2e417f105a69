import Foundation
import QACtlTestSupport
import Testing

/// Option values that look harmless but are not: each is refused as a usage
/// error (exit 2) before anything is created or served, or works as written.
@Suite struct OptionValidationTests {
    @Test(arguments: ["", "  "])
    func anEmptySyncSecretIsRefusedRatherThanMatchedByAnEmptySecretParameter(_ secret: String) throws {
        let dir = TemporaryDirectory()
        let serve = try QACtlProcess.run(["serve", "--data-dir", dir.path, "--listen", "127.0.0.1:0", "--sync-secret", secret], timeout: .seconds(30))
        #expect(serve.status == 2, "\(serve.stderr)")
        #expect(serve.stderr.contains("--sync-secret must not be empty or blank"), "\(serve.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/qactl.sqlite"), "nothing was created")
    }

    @Test(arguments: [
        ["serve", "--listen", "127.0.0.1:0", "--data-dir", ""],
        ["token", "mint", "auth", "--sub", "alice", "--data-dir", ""],
        ["token", "mint", "auth", "--sub", "alice", "--keys-dir", ""],
        ["chat", "--user", "alice", "--replica-dir", ""],
        ["serve", "--listen", "127.0.0.1:0", "--open-as", ""],
    ])
    func anEmptyPathOrNameIsRefusedRatherThanTakenAsTheRootOrNobody(_ arguments: [String]) throws {
        let rootKeysBefore = FileManager.default.fileExists(atPath: "/keys")
        let run = try QACtlProcess.run(arguments, timeout: .seconds(30))
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("must not be empty"), "\(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: "/keys") == rootKeysBefore, "no keys were made in /")
    }

    @Test func aKeysDirThatIsAFileIsCalledThatNotAPermissionProblem() throws {
        let dir = TemporaryDirectory()
        let file = dir.path + "/not-a-directory"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8), attributes: [.posixPermissions: 0o644]))
        let run = try QACtlProcess.run(["token", "mint", "auth", "--sub", "alice", "--keys-dir", file])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("\(file): is not a directory"), "\(run.stderr)")
        #expect(!run.stderr.contains("chmod"), "no advice that would not help: \(run.stderr)")
    }

    @Test func durationsOverAHundredYearsAreRefusedAndAHundredYearsWorks() async throws {
        let dir = TemporaryDirectory()
        let tooLong = try QACtlProcess.run(["token", "mint", "auth", "--sub", "alice", "--ttl", "36501d", "--data-dir", dir.path])
        #expect(tooLong.status == 2, "\(tooLong.stderr)")
        #expect(tooLong.stderr.contains("'36501d' is invalid for '--ttl <duration>'"), "\(tooLong.stderr)")
        // These once started a server that crashed on its first request body, or signed shape tokens nobody accepts.
        for (option, value) in [("--idle-timeout", "106752d"), ("--shape-token-ttl", "3000000d")] {
            let serve = try QACtlProcess.run(["serve", "--listen", "127.0.0.1:0", "--data-dir", dir.path, option, value], timeout: .seconds(30))
            #expect(serve.status == 2, "\(option) \(value): \(serve.stderr)")
            #expect(serve.stderr.contains("'\(value)' is invalid for '\(option)"), "\(serve.stderr)")
        }

        // The longest token is one the tool itself (and so the server) accepts.
        let longest = try QACtlProcess.run(["token", "mint", "auth", "--sub", "alice", "--ttl", "36500d", "--data-dir", dir.path])
        #expect(longest.status == 0, "\(longest.stderr)")
        let token = longest.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let decoded = try QACtlProcess.run(["token", "decode", token, "--verify", "--data-dir", dir.path])
        #expect(decoded.status == 0, "\(decoded.stderr)")

        // The longest idle timeout: a request with a body is served (its body deadline once overflowed and crashed the server).
        let server = try await TestServer.start(
            dataDirectory: dir.path, arguments: ["--idle-timeout", "36500d", "--shape-token-ttl", "36500d"])
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        let created = try await api.post("/conversations", json: ["id": "c-long", "title": "Patience"], token: alice)
        #expect(created.status == 201, "\(created.body)")
        let (granted, shapeToken) = try await api.shapeToken(table: "conversations", token: alice)
        #expect(granted.status == 200, "\(granted.body)")
        let shape = try await api.shape([("offset", "-1")], token: shapeToken)
        #expect(shape.status == 200, "a shape token valid for a hundred years is accepted: \(shape.body)")
        _ = try await server.stop()
    }
}
