import Foundation
import PostgresHarness
import Synchronization
import Testing
import QACtlTestSupport

/// `qactl chat` with the server down: questions wait in the outbox, survive
/// restarts, go out once each and in order, and only one chat sends them.
@Suite(.serialized) struct OfflineChatTests {
    /// Answers repeat the question, so each answer names what it answers.
    static let echo = ["--answerer", "command", "--answer-command", "cat"]

    /// A server (stopped) whose user alice has conversation `id`, and the chat arguments for it.
    static func offlineConversation(_ id: String) async throws -> (TemporaryDirectory, TestServer, ServerAPI, String, [String]) {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: Self.echo)
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        try await api.conversation(id, token: alice)
        try await server.stop()
        return (dir, server, api, alice, ["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path, "--conversation", id])
    }

    @Test func fiftyQuestionsQueuedOfflineArriveOnceEachAndInOrderAfterARestart() async throws {
        let (dir, server, api, alice, login) = try await Self.offlineConversation("c-offline")
        defer { withExtendedLifetime(dir) {} }  // the server's data dir, until the end
        let questions = (1...50).map { String(format: "question %02d", $0) }

        let offline = try await ChatProcess.run(login + ["--timeout", "2s"], input: questions.joined(separator: "\n") + "\n/outbox\n")
        #expect(offline.status == 4, "\(offline.standardError)")
        #expect(offline.standardError.contains("50 questions still queued"), "\(offline.standardError)")
        #expect(offline.lines.contains("* outbox: 50 queued, 0 refused"), "\(offline.lines.suffix(60))")
        #expect(offline.lines.contains { $0.contains("queued “question 50”") }, "\(offline.lines.suffix(60))")

        try await server.restart()
        let back = try await ChatProcess.run(login + ["--timeout", "90s"], input: "", timeout: .seconds(120))
        #expect(back.status == 0, "\(back.standardError)")
        #expect(back.lines.count { $0.hasPrefix("  ✓ confirmed") } == 50, "\(back.lines.prefix(20))")
        let after = try await ChatProcess.run(login, input: "/outbox\n")
        #expect(after.lines.contains("* outbox: 0 queued, 0 refused"), "\(after.lines)")

        // The server has each question once, in the order typed, each answered.
        let asked = try await userMessages(api: api, token: alice, conversation: "c-offline")
        #expect(asked == questions)
        try await server.stop()
    }

    @Test func askSendsQuestionsQueuedEarlierFirst() async throws {
        let (dir, server, api, alice, login) = try await Self.offlineConversation("c-order")
        defer { withExtendedLifetime(dir) {} }  // the server's data dir, until the end
        let offline = try await ChatProcess.run(login + ["--timeout", "1s"], input: "typed first\n")
        #expect(offline.standardError.contains("1 question still queued"), "\(offline.standardError)")

        try await server.restart()
        let asked = try await ChatProcess.run(login + ["--ask", "typed second", "--timeout", "60s"])
        #expect(asked.status == 0, "\(asked.standardError)")
        #expect(asked.standardOutput.contains("typed second"), "the echo answer: \(asked.standardOutput)")
        #expect(try await userMessages(api: api, token: alice, conversation: "c-order") == ["typed first", "typed second"])
        try await server.stop()
    }

    @Test func aSecondChatOfTheSameUserSaysItDoesNotHoldTheOutboxAndNothingIsSentTwice() async throws {
        let (dir, server, api, alice, login) = try await Self.offlineConversation("c-two")
        defer { withExtendedLifetime(dir) {} }  // the server's data dir, until the end

        let first = try LiveChat(login + ["--timeout", "60s"])
        first.type("from the first chat")
        try await eventually("the first chat queued its question") { first.output.contains("queued “from the first chat”") }
        let second = try await ChatProcess.run(login + ["--timeout", "1s"], input: "/outbox\n")
        #expect(second.standardOutput.contains("another qactl chat of alice on \(server.baseURL) holds the outbox"), "\(second.standardOutput)")
        #expect(second.lines.contains { $0.hasPrefix("* no outbox here") }, "\(second.lines)")
        // Offline and without the outbox, a new conversation cannot wait anywhere: said at once, with the way out.
        let started = ContinuousClock.now
        let third = try await ChatProcess.run(
            ["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path, "--new", "Elsewhere", "--timeout", "30s"], input: "lost?\n")
        #expect(third.status == 1, "\(third.standardError)")
        #expect(third.standardError.contains("holds the outbox, so nothing can be queued here: use that chat"), "\(third.standardError)")
        #expect(ContinuousClock.now - started < .seconds(10), "not after the request's 15 s timeout")

        try await server.restart()
        try await eventually("the first chat's question confirmed", timeout: .seconds(40)) { first.output.contains("✓ confirmed") }
        #expect(try await first.finish() == 0)
        // The second chat, now the only one, holds the outbox and finds nothing left to send.
        let later = try await ChatProcess.run(login, input: "/outbox\n")
        #expect(later.lines.contains("* outbox: 0 queued, 0 refused"), "\(later.lines)")
        #expect(try await userMessages(api: api, token: alice, conversation: "c-two") == ["from the first chat"])
        try await server.stop()
    }

    @Test func conversationsStartedOfflineAreCreatedWithTheirQuestionsOnceTheServerIsBack() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: Self.echo)
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        try await server.stop()
        let login = ["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path]

        // Offline: a conversation from --new, a question in it, a second one from /new with its own question.
        let offline = try await ChatProcess.run(
            login + ["--new", "Planned offline", "--timeout", "2s"], input: "first question\n/new Second thoughts\nsecond question\n/outbox\n")
        #expect(offline.status == 4, "\(offline.standardError)")
        #expect(offline.standardError.contains("2 new conversations and 2 questions still queued"), "\(offline.standardError)")
        #expect(offline.lines.contains("* outbox: 4 queued, 0 refused"), "\(offline.lines)")
        #expect(offline.lines.contains { $0.contains("new conversation “Second thoughts”") }, "\(offline.lines)")
        let ids = offline.lines.compactMap { line -> (String, String)? in
            for title in ["Planned offline", "Second thoughts"] where line.hasPrefix("* conversation “\(title)” (") {
                return (title, String(line.dropFirst("* conversation “\(title)” (".count).dropLast()))
            }
            return nil
        }
        let conversation = Dictionary(ids, uniquingKeysWith: { first, _ in first })
        let first = try #require(conversation["Planned offline"]), second = try #require(conversation["Second thoughts"])

        // Back: the next chat opens the newest (still queued) conversation and, before it ends, sends everything in order.
        try await server.restart()
        let back = try await ChatProcess.run(login + ["--timeout", "60s"], input: "", timeout: .seconds(90))
        #expect(back.status == 0, "\(back.standardError)")
        #expect(back.lines.first == "* conversation “Second thoughts” (\(second))", "\(back.lines)")
        let after = try await ChatProcess.run(login + ["--conversation", first], input: "/list\n/outbox\n")
        #expect(after.status == 0, "\(after.standardError)")
        #expect(after.lines.contains("* outbox: 0 queued, 0 refused"), "\(after.lines)")
        #expect(after.lines.contains { $0.contains("\(first)  Planned offline") }, "\(after.lines)")

        // The server has each conversation once, as alice's, with its question once.
        #expect(try await userMessages(api: api, token: alice, conversation: first) == ["first question"])
        #expect(try await userMessages(api: api, token: alice, conversation: second) == ["second question"])
        let repeated = try await api.post("/conversations", json: ["id": first, "title": "Planned offline"], token: alice)
        #expect(repeated.status == 201, "a repeat of the creation: \(repeated.body)")
        let bob = try await api.authToken("bob")
        #expect(try await api.shapeToken(table: "messages", params: ["conversationId": first], token: bob).0.status == 403)
        try await server.stop()
    }

    @Test func aConversationTheServerRefusesIsReportedOnceAndListedAsRefused() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: Self.echo)
        let login = ["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path, "--new", "Fine"]
        // The server refuses a title with a NUL character; chat cannot know that rule.
        let chat = try await ChatProcess.run(login, input: "/new bad\u{0}title\n/outbox\n/list\n")
        #expect(chat.status == 0, "\(chat.standardError)")
        let errors = chat.lines.filter { $0.hasPrefix("! ") }
        #expect(errors.count == 1, "one report of the refusal: \(chat.lines)")
        #expect(errors.first?.contains("title must not contain NUL characters") == true, "\(chat.lines)")
        #expect(chat.lines.contains("* outbox: 0 queued, 1 refused"), "\(chat.lines)")
        let list = try #require(chat.lines.firstIndex { $0.hasPrefix("* your conversations") })
        #expect(chat.lines[(list + 1)...].contains { $0.contains("  Fine  ") && $0.hasSuffix("← open") }, "\(chat.lines)")
        #expect(!chat.lines[(list + 1)...].contains { $0.contains("bad") }, "the refused conversation left the list: \(chat.lines)")
        try await server.stop()
    }

    @Test func aConversationRefusedOnceTheServerIsBackTakesItsQueuedQuestionsWithIt() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: Self.echo)
        try await server.stop()
        let login = ["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path]
        // Offline: a title the server will refuse (chat cannot know the NUL rule), and a question in it.
        let offline = try await ChatProcess.run(login + ["--new", "Fine", "--timeout", "1s"], input: "/new bad\u{0}title\nquestion in bad\n")
        #expect(offline.status == 4, "\(offline.standardError)")

        try await server.restart()
        let back = try await ChatProcess.run(login + ["--timeout", "30s"], input: "/outbox\n", timeout: .seconds(60))
        let errors = back.lines.filter { $0.hasPrefix("! ") }
        #expect(errors.count { $0.contains("the server refused the conversation “badtitle”") } == 1, "reported once: \(back.lines)")
        #expect(errors.contains { $0.contains("its conversation “badtitle” was refused") && $0.contains("question in bad") }, "\(back.lines)")
        #expect(!errors.contains { $0.contains("not allowed") || $0.contains("HTTP") }, "not a permission error: \(back.lines)")
        #expect(!back.lines.contains { $0.hasPrefix("* conversation") && $0.contains("error") }, "\(back.lines)")
        let outbox = try await ChatProcess.run(login, input: "/outbox\n")
        #expect(outbox.lines.contains("* outbox: 0 queued, 2 refused"), "\(outbox.lines)")
        try await server.stop()
    }

    @Test func askWaitsForAServerThatComesBackWithinTheTimeout() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--answerer", "command", "--answer-command", "echo Back."])
        try await server.stop()
        let login = ["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path]
        let asking = Task { try await ChatProcess.run(login + ["--ask", "Are you there?", "--timeout", "60s"]) }
        try await Task.sleep(for: .seconds(2))
        try await server.restart()
        let result = try await asking.value
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("Back."))

        try await server.stop()
        let gaveUp = try await ChatProcess.run(login + ["--ask", "Anyone?", "--timeout", "2s"])
        #expect(gaveUp.status == 4)
        #expect(gaveUp.standardError.contains("cannot reach \(server.baseURL) within 2s"), "\(gaveUp.standardError)")
    }

    /// The contents of the user's questions in `conversation`, oldest first, as a fresh sync shows them.
    private func userMessages(api: ServerAPI, token: String, conversation: String) async throws -> [String] {
        guard let shape = try await api.shapeToken(table: "messages", params: ["conversationId": conversation], token: token).1 else {
            throw TestFailure("no shape token")
        }
        var state = ServerAPI.Follow()
        try await api.catchUp(&state, token: shape)
        var rows: [String: [String: Any]] = [:]
        for message in state.messages {
            guard let value = message["value"] as? [String: Any], let id = value["id"] as? String else { continue }
            rows[id, default: [:]].merge(value) { $1 }
        }
        return rows.values.filter { $0["role"] as? String == "user" }
            .sorted { ($0["created_at"] as? String ?? "") < ($1["created_at"] as? String ?? "") }
            .compactMap { $0["content"] as? String }
    }
}

/// A plain-mode `qactl chat` that keeps running: lines typed one at a time, output collected.
final class LiveChat: Sendable {
    private let process: SpawnedProcess
    private let collected = ByteBuffer()

    init(_ arguments: [String]) throws {
        let command = ChatProcess.command
        // Output and errors on one pipe, in the order they were written.
        let output = try CloseOnExecPipe()
        defer { close(output.writeEnd) }
        do {
            process = try SpawnedProcess(
                command[0], Array(command.dropFirst()) + arguments, environment: ChatProcess.environment(),
                standardInput: .pipe, standardOutput: .descriptor(output.writeEnd), standardError: .descriptor(output.writeEnd))
        } catch {
            close(output.readEnd)
            throw error
        }
        PipeFollower.follow(descriptor: output.readEnd) { [collected] data in collected.append(data) }
    }

    var output: String { collected.text }

    func type(_ line: String) {
        process.writeInput(Array((line + "\n").utf8))
    }

    /// Ends the input and waits for the exit status.
    func finish(timeout: Duration = .seconds(60)) async throws -> Int32 {
        process.closeInput()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.signal(SIGTERM)
                throw TestFailure("qactl chat did not exit within \(timeout): \(output)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.termination?.status ?? -1
    }
}
