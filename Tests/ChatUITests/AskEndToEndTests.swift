import Foundation
import Testing
import QACtlTestSupport

/// `qactl chat --ask` against a real `qactl serve`, one exit code at a time.
@Suite(.serialized) struct AskEndToEndTests {
    private func ask(_ server: TestServer, _ question: String, _ extra: [String] = [], user: String = "alice") async throws -> ChatProcess.Result {
        try await ChatProcess.run(["--server", server.baseURL, "--user", user, "--data-dir", server.dataDirectory, "--ask", question] + extra)
    }

    @Test func aCompletedAnswerIsPrintedAndExitsZero() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let result = try await ask(server, "How do shapes work?")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.count > 20)
        #expect(result.standardError.isEmpty)
        // --token works the same way.
        let token = try await mintAuthToken("alice", dataDirectory: dir.path)
        let withToken = try await ChatProcess.run(["--server", server.baseURL, "--token", token, "--ask", "What is a txid?"])
        #expect(withToken.status == 0, "\(withToken.standardError)")
        try await server.stop()
    }

    @Test func jsonReportsEachStateChangeOfTheExchange() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(
            dataDirectory: dir.path, arguments: ["--answerer", "command", "--answer-command", "printf 'Shapes '; sleep 0.4; printf 'are '; sleep 0.4; printf 'live subsets.'"])
        let result = try await ask(server, "What is a shape?", ["--json", "--new", "JSON test"])
        #expect(result.status == 0, "\(result.standardError)")
        let objects = result.objects
        #expect(objects.count == result.lines.count, "every line is a JSON object")
        let events = objects.compactMap { $0["event"] as? String }
        #expect(events.first == "conversation")
        #expect(objects.first?["title"] as? String == "JSON test")
        let optimistic = try #require(events.firstIndex(of: "optimistic"))
        let confirmed = try #require(events.firstIndex(of: "confirmed"))
        let completed = try #require(events.lastIndex(of: "completed"))
        let chunks = events.indices.filter { events[$0] == "chunk" }
        #expect(optimistic < confirmed && confirmed < completed)
        #expect(chunks.count >= 2, "the answer arrives in pieces: \(events)")
        #expect(chunks.allSatisfy { $0 > confirmed && $0 < completed })
        #expect(completed == events.count - 1)
        #expect(objects[optimistic]["content"] as? String == "What is a shape?")
        #expect((objects[confirmed]["txid"] as? Int ?? 0) > 0)
        #expect((objects[confirmed]["ms"] as? Int ?? -1) >= 0)
        let streamed = chunks.compactMap { objects[$0]["text"] as? String }.joined()
        #expect(streamed == "Shapes are live subsets.")
        #expect(objects[completed]["content"] as? String == "Shapes are live subsets.")
        #expect(objects[completed]["id"] as? String == objects[optimistic]["answerId"] as? String)
        try await server.stop()
    }

    @Test func aFailedAnswerExitsOne() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--answerer", "command", "--answer-command", "exit 3"])
        let result = try await ask(server, "Will this fail?")
        #expect(result.status == 1)
        #expect(result.standardError.contains("the answer failed"), "\(result.standardError)")
        let json = try await ask(server, "And as JSON?", ["--json"])
        #expect(json.status == 1)
        #expect(json.objects.last?["event"] as? String == "failed")
        try await server.stop()
    }

    @Test func aSlowAnswerTimesOutWithFour() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--answerer", "command", "--answer-command", "sleep 30"])
        let started = ContinuousClock.now
        // Long enough for the conversation to sync on a loaded machine; the answer takes 30 s.
        let result = try await ask(server, "Are you there?", ["--timeout", "6s"])
        #expect(result.status == 4, "\(result.standardError)")
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(result.standardError.contains("no complete answer within 6s"), "\(result.standardError)")
        try await server.stop()
    }

    @Test func aTokenTheServerRefusesExitsThree() async throws {
        let dir = TemporaryDirectory()
        let elsewhere = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let foreign = try await mintAuthToken("alice", dataDirectory: elsewhere.path)
        let result = try await ChatProcess.run(["--server", server.baseURL, "--token", foreign, "--ask", "Hello?"])
        #expect(result.status == 3)
        #expect(result.standardError.contains("refused"), "\(result.standardError)")
        // A user minted from the wrong data dir: refused too, with where to look.
        let minted = try await ChatProcess.run(["--server", server.baseURL, "--user", "alice", "--data-dir", elsewhere.path, "--ask", "Hello?"])
        #expect(minted.status == 3)
        #expect(minted.standardError.contains("--data-dir"))
        try await server.stop()
    }

    @Test func someoneElsesConversationExitsThree() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let bobs = try await ask(server, "Mine", ["--json", "--new", "Bob's"], user: "bob")
        let id = try #require(bobs.objects.first?["id"] as? String)
        let result = try await ask(server, "Let me in", ["--conversation", id])
        #expect(result.status == 3)
        #expect(result.standardError.contains("does not belong to alice"), "\(result.standardError)")
        try await server.stop()
    }

    @Test func withoutAnIdentityOneMessageSaysWhatToDo() async throws {
        let dir = TemporaryDirectory()
        let none = try await ChatProcess.run(["--server", "http://127.0.0.1:9", "--data-dir", dir.path, "--ask", "Hello?"])
        #expect(none.status == 2)
        let lines = none.standardError.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(none.standardError.contains("--user NAME") && none.standardError.contains("--token JWT"))
        let noKeys = try await ChatProcess.run(["--server", "http://127.0.0.1:9", "--user", "alice", "--data-dir", dir.path, "--ask", "Hello?"])
        #expect(noKeys.status == 3)
        #expect(noKeys.standardError.contains("qactl serve --data-dir"))
        #expect(noKeys.standardError.split(separator: "\n").count == 1)
    }

    @Test func aSignalEndsTheWaitForTheAnswerWithAMessage() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--answerer", "command", "--answer-command", "sleep 60"])
        for (signal, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT"), (SIGHUP, "SIGHUP")] {
            let result = try await ChatProcess.run(
                ["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path, "--ask", "Slow?", "--timeout", "60s", "--json"],
                signal: (#""event":"confirmed""#, signal))
            // Exit 1 with a message, as tail-txid does; not killed by the signal (143, 130) in silence.
            #expect(result.status == 1, "\(result.standardError)")
            #expect(result.standardError.contains("interrupted by \(name) before the answer completed"), "\(result.standardError)")
        }
        try await server.stop()
    }

    @Test func anUnreachableServerTimesOutWithFourAndUsageErrorsTwo() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        try await server.stop()
        // --ask waits up to --timeout for the server to come back (OfflineChatTests has it coming back).
        let result = try await ChatProcess.run(["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path, "--ask", "Hello?", "--timeout", "3s"])
        #expect(result.status == 4)
        // Said at once (why, and for how long it waits), then again when it gives up.
        #expect(result.standardError.contains("cannot reach \(server.baseURL) (connection refused); waiting up to 3s"), "\(result.standardError)")
        #expect(result.standardError.contains("cannot reach \(server.baseURL) within 3s (connection refused)"), "\(result.standardError)")
        let usage = try await ChatProcess.run(["--user", "alice", "--data-dir", dir.path, "--ask", "Hi", "--timeout", "soon"])
        #expect(usage.status == 2)
        let both = try await ChatProcess.run(["--user", "alice", "--data-dir", dir.path, "--conversation", "c", "--new", "t", "--ask", "Hi"])
        #expect(both.status == 2)
    }
}
