import Foundation
import Testing
import QACtlTestSupport

/// Instances sharing one keys directory (`--keys-dir`): a token from one is
/// good on the others, and a rotation reaches every running instance.
@Suite(.serialized) struct SharedKeysTests {
    let root = TemporaryDirectory()

    @Test func aRotationReachesRunningInstancesWithoutARestart() async throws {
        let keys = root.path + "/shared-keys"
        let first = try await ServeProcess.start(dataDirectory: root.path + "/a", arguments: ["--keys-dir", keys, "--answerer", "none"])
        let second = try await ServeProcess.start(dataDirectory: root.path + "/b", arguments: ["--keys-dir", keys, "--answerer", "none"])
        #expect(!FileManager.default.fileExists(atPath: root.path + "/a/keys"), "the data dir holds no keys of its own")
        // The banner's connect line works as printed: the chat finds the key where the server keeps it.
        try await eventually("the banner's connect line", timeout: .seconds(10)) { first.stdout.contains("  connect   qactl chat") }
        let connect = try #require(first.stdout.split(separator: "\n").first { $0.contains("  connect   qactl chat") })
        #expect(connect.hasSuffix(" --keys-dir \(keys)"), "\(connect)")
        var arguments = connect.split(separator: " ").dropFirst(2).map(String.init)  // from "chat" on
        arguments[arguments.firstIndex(of: "NAME")!] = "alice"
        // Signed in and sent; with --answerer none the answer stays pending, so the wait times out (4), not a refusal (3).
        let asked = try await SeveralInstancesTests.qactl(arguments + ["--ask", "Hello", "--timeout", "2s"])
        #expect(asked.status == 4, "\(asked.status): \(asked.errors)")

        func mint() async throws -> String {
            let minted = try await SeveralInstancesTests.qactl(["token", "mint", "auth", "--sub", "alice", "--keys-dir", keys])
            #expect(minted.status == 0, "\(minted.errors)")
            return minted.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func status(_ server: ServeProcess, _ token: String, _ id: String) async throws -> Int {
            try await ServerAPI(server: server).post("/conversations", json: ["id": id, "title": "Keys"], token: token).status
        }
        let before = try await mint()
        #expect(try await status(first, before, "c-1") == 201)
        #expect(try await status(second, before, "c-1") == 201)
        // A shape token minted by one instance opens the gatekeeper of the other.
        let shapeToken = try #require(try await ServerAPI(server: first).shapeToken(table: "conversations", token: before).1)
        #expect(try await ServerAPI(server: second).shape([("offset", "-1")], token: shapeToken).status == 200)

        // Rotate, keeping only the new keys: both instances follow, no restart.
        let rotated = try await SeveralInstancesTests.qactl(["token", "rotate", "all", "--keep", "1", "--keys-dir", keys])
        #expect(rotated.status == 0, "\(rotated.errors)")
        let after = try await mint()
        var n = 2
        for server in [first, second] {
            try await eventually("the new key to be accepted", timeout: .seconds(10)) {
                n += 1
                return try await status(server, after, "c-\(n)") == 201
            }
            #expect(try await status(server, before, "c-old-\(n)") == 401, "the dropped key no longer verifies")
        }
        try await first.stop()
        try await second.stop()
    }

    @Test func keyFilesDamagedOrOpenedUpUnderARunningServerAreLoggedAndTheLoadedKeysStay() async throws {
        let server = try await ServeProcess.start(dataDirectory: root.path + "/c", arguments: ["--answerer", "none"])
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        let keyFile = root.path + "/c/keys/auth.json"
        let original = try Data(contentsOf: URL(fileURLWithPath: keyFile))

        // Readable by others: refused as at start-up, said once in the log, and the keys loaded before go on verifying.
        #expect(chmod(keyFile, 0o644) == 0)
        try await eventually("the log to name the opened-up file", timeout: .seconds(10)) {
            _ = try await api.post("/conversations", json: ["title": "Still in"], token: alice)
            return server.stderr.contains("\(keyFile): is accessible by group or others")
        }
        #expect(try await api.post("/conversations", json: ["title": "Still in"], token: alice).status == 201)
        try await Task.sleep(for: .seconds(3))
        _ = try await api.post("/conversations", json: ["title": "Again"], token: alice)
        #expect(server.stderr.components(separatedBy: "is accessible by group or others").count == 2, "told once: \(server.stderr)")
        // Put right, then opened up again: told again.
        #expect(chmod(keyFile, 0o600) == 0)
        try await Task.sleep(for: .seconds(3))
        #expect(try await api.post("/conversations", json: ["title": "Fine again"], token: alice).status == 201)
        #expect(chmod(keyFile, 0o644) == 0)
        try await eventually("the log to name the file again", timeout: .seconds(10)) {
            _ = try await api.post("/conversations", json: ["title": "Still in"], token: alice)
            return server.stderr.components(separatedBy: "is accessible by group or others").count == 3
        }

        // Damaged: the same.
        #expect(chmod(keyFile, 0o600) == 0)
        try Data("{\"garbage".utf8).write(to: URL(fileURLWithPath: keyFile))
        try await eventually("the log to name the damaged file", timeout: .seconds(10)) {
            _ = try await api.post("/conversations", json: ["title": "Still in"], token: alice)
            return server.stderr.contains("the key files changed but cannot be used") && server.stderr.contains("\(keyFile): ")
                && server.stderr.components(separatedBy: "cannot be used").count == 4
        }
        #expect(try await api.post("/conversations", json: ["title": "Still in"], token: alice).status == 201)
        try original.write(to: URL(fileURLWithPath: keyFile))
        try await server.stop()
    }
}
