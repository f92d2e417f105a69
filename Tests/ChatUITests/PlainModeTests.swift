import Foundation
import Testing
import QACtlTestSupport

/// The line mode (stdin and stdout are pipes here) against a real `qactl serve`.
@Suite(.serialized) struct PlainModeTests {
    @Test func aPipedQuestionIsShownSentConfirmedAndAnswered() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let arguments = ["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path]
        let result = try await ChatProcess.run(arguments + ["--new", "Piped"], input: "How do shapes work?\n/list\n/frobnicate\n")
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.lines
        let question = try #require(lines.firstIndex(of: "alice> How do shapes work?  (sending…)"), "\(lines)")
        let placeholder = try #require(lines.firstIndex(of: "qactl> Generating answer…"))
        let confirmed = try #require(lines.firstIndex { $0.hasPrefix("  ✓ confirmed in ") && $0.contains("(txid ") })
        let answer = try #require(lines.lastIndex { $0.hasPrefix("qactl> ") && $0 != "qactl> Generating answer…" })
        #expect(question < placeholder && placeholder < confirmed && confirmed < answer)
        #expect(lines.first?.hasPrefix("* conversation “Piped”") == true)
        #expect(lines.contains { $0.hasPrefix("* your conversations") })
        #expect(lines.contains { $0.hasPrefix("! unknown command /frobnicate") })
        #expect(!result.standardOutput.contains("\u{1B}"), "no escape sequences on a pipe")
        // The replica holds conversation text and queued questions: its owner's alone.
        let replicas = dir.path + "/replicas"
        #expect(try FileManager.default.attributesOfItem(atPath: replicas)[.posixPermissions] as? Int == 0o700)
        let files = try FileManager.default.contentsOfDirectory(atPath: replicas)
        #expect(!files.isEmpty)
        for file in files {
            let mode = try FileManager.default.attributesOfItem(atPath: replicas + "/" + file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file): \(String(mode ?? 0, radix: 8))")
        }

        // A restart with the server down shows the conversation from the local replica.
        try await server.stop()
        let offline = try await ChatProcess.run(arguments, input: "/quit\n")
        #expect(offline.status == 0, "\(offline.standardError)")
        #expect(offline.lines.contains("alice> How do shapes work?"), "\(offline.lines)")
        #expect(offline.lines.contains { $0.hasPrefix("* offline") })
    }

    @Test func anEmptyPipeOnAFreshReplicaShowsTheWholeConversation() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--answerer", "command", "--answer-command", "echo Fine."])
        let seeded = try await ChatProcess.run(["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path, "--new", "Seeded"], input: "Hello there\n")
        let conversation = try #require(seeded.lines.first?.split(separator: "(").last?.dropLast(), "\(seeded.lines)")
        // Each run with an empty replica dir and no input: the same lines, history included, every time.
        var outputs: [[String]] = []
        for _ in 0..<3 {
            let replicas = TemporaryDirectory()
            let result = try await ChatProcess.run(
                ["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path, "--replica-dir", replicas.path, "--conversation", String(conversation)],
                input: "")
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.lines.contains("alice> Hello there") && result.lines.contains("qactl> Fine."), "\(result.lines)")
            outputs.append(result.lines.filter { !$0.hasPrefix("* ") })
        }
        #expect(Set(outputs.map { $0.joined(separator: "\n") }).count == 1, "\(outputs)")
        try await server.stop()
    }

    @Test func aDamagedReplicaIsMovedAsideAndStartedAfresh() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--answerer", "command", "--answer-command", "echo Noted."])
        let arguments = ["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path]
        let first = try await ChatProcess.run(arguments + ["--new", "Kept"], input: "One\n")
        #expect(first.status == 0, "\(first.standardError)")
        let replicas = dir.path + "/replicas"
        let files = try FileManager.default.contentsOfDirectory(atPath: replicas).filter { $0.hasSuffix(".sqlite") }
        #expect(!files.isEmpty, "\(files)")
        for file in files {
            try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: replicas + "/" + file))
        }
        let second = try await ChatProcess.run(arguments, input: "")
        let said = second.standardOutput + second.standardError
        #expect(second.status == 0, "\(said)")
        #expect(said.contains("is damaged") && said.contains("moved it to"), "\(said)")
        #expect(!said.contains("holds the outbox"), "no other chat is running: \(said)")
        #expect(said.contains("alice> One"), "synced afresh: \(said)")
        let kept = try FileManager.default.contentsOfDirectory(atPath: replicas)
        #expect(kept.contains { $0.contains(".damaged-") }, "\(kept)")
        let third = try await ChatProcess.run(arguments, input: "")
        #expect(!(third.standardOutput + third.standardError).contains("damaged"), "the fresh replica is used from then on")
        try await server.stop()
    }

    @Test func aSignalWhileWaitingForAnswersEndsTheWaitWithAMessage() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--answerer", "command", "--answer-command", "sleep 60"])
        let arguments = ["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path, "--new", "Slow", "--timeout", "60s"]
        for (signal, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            let start = ContinuousClock.now
            let result = try await ChatProcess.run(arguments, input: "Will you take long?\n", signal: ("✓ confirmed in ", signal))
            // Not the whole --timeout: the signal ends the wait at end of input.
            #expect(ContinuousClock.now - start < .seconds(20))
            #expect(result.status == 1, "\(result.standardError)")
            #expect(result.standardError.contains("interrupted by \(name) while waiting for 1 answer"), "\(result.standardError)")
        }
        try await server.stop()
    }

    @Test func jsonLinesForAWholeSession() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let questions = ["What is a txid?", "What is a shape?", "What is a shape token?", "How do I run on PostgreSQL?"]
        let result = try await ChatProcess.run(
            ["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path, "--json"],
            input: questions.joined(separator: "\n") + "\n")
        #expect(result.status == 0, "\(result.standardError)")
        let objects = result.objects
        let events = objects.compactMap { $0["event"] as? String }
        #expect(objects.count == result.lines.count)
        for expected in ["conversation", "optimistic", "message", "confirmed", "completed"] {
            #expect(events.contains(expected), "\(events)")
        }
        // Each send is confirmed before any of its answer's text shows: the answer
        // synced after the question, and the events keep the order of the sync.
        let confirmations = objects.enumerated().filter { $0.element["event"] as? String == "confirmed" }
        #expect(confirmations.count == questions.count, "\(events)")
        for (index, confirmation) in confirmations {
            let answerID = try #require(confirmation["answerId"] as? String)
            let firstText = objects.firstIndex { object in
                object["id"] as? String == answerID && ["chunk", "streaming", "completed"].contains(object["event"] as? String ?? "")
            }
            #expect(firstText.map { index < $0 } == true, "answer \(answerID): \(events)")
        }
        try await server.stop()
    }
}
