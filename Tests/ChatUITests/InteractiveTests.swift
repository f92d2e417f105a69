import Foundation
import Testing
import QACtlTestSupport

/// The full-screen client on a pseudo-terminal, read back through a VT100 screen.
@Suite(.serialized) struct InteractiveTests {
    private static let slowAnswer = ["--answerer", "command", "--answer-command", "sleep 3; echo The answer is 42."]

    private func restored(_ terminal: PseudoTerminal) -> Bool {
        let flags = terminal.localFlags
        return flags & tcflag_t(ICANON) != 0 && flags & tcflag_t(ECHO) != 0 && flags & tcflag_t(ISIG) != 0
    }

    @Test func aQuestionShowsAtOnceTheAnswerStreamsInAndAnotherClientAppearsLive() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: Self.slowAnswer)
        let login = ["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path]
        let created = try await ChatProcess.run(login + ["--new", "On a terminal", "--ask", "First question", "--json"])
        let conversation = try #require(created.objects.first?["id"] as? String)

        let terminal = try PseudoTerminal(rows: 30, columns: 100)
        try terminal.spawn(login + ["--conversation", conversation])
        try await terminal.waitForScreen("live, with the conversation") { $0.text.contains("● live") && $0.text.contains("First question") }
        let screen = terminal.screen
        #expect(screen.usingAlternateScreen)
        #expect(screen.line(0).contains("qactl chat · On a terminal"))
        #expect(screen.line(29).hasPrefix(">"))

        terminal.type("What is a shape? 日本語 👍")
        try await terminal.waitForScreen("the composer") { $0.line(29) == "> What is a shape? 日本語 👍" }
        terminal.type("\r")
        // The question and its placeholder at once, the question above; the answer takes seconds.
        try await terminal.waitForScreen("the optimistic exchange", timeout: .seconds(10)) {
            $0.text.contains("What is a shape? 日本語 👍") && $0.text.contains("Generating answer…")
        }
        let lines = (0..<30).map { terminal.screen.line($0) }
        let question = try #require(lines.lastIndex { $0.contains("What is a shape?") })
        let placeholder = try #require(lines.lastIndex { $0.contains("Generating answer…") })
        #expect(question < placeholder)
        #expect(lines[29] == ">")
        try await terminal.waitForScreen("the answer") { $0.text.components(separatedBy: "The answer is 42.").count == 3 }
        #expect(!terminal.screen.text.contains("Generating answer…"))
        try await terminal.waitForScreen("confirmed with its round trip") { $0.text.contains("last round trip") && $0.text.contains("✓") }

        // Another client writes to the conversation: it shows up here.
        let other = try await ChatProcess.run(login + ["--conversation", conversation, "--ask", "Hello from the other client"])
        #expect(other.status == 0, "\(other.standardError)")
        try await terminal.waitForScreen("the other client's message") { $0.text.contains("Hello from the other client") }

        terminal.type("\u{03}")
        #expect(try await terminal.waitForExit() == 0)
        #expect(restored(terminal))
        #expect(terminal.raw.hasSuffix("\u{1B}[?1049l"))
        #expect(!terminal.screen.usingAlternateScreen)
        #expect(terminal.screen.cursorVisible)
        #expect(!terminal.screen.bracketedPaste)
        try await server.stop()
    }

    @Test func sigtermAndCtrlDAndQuitRestoreTheTerminal() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let login = ["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path]
        for exit in ["SIGTERM", "Ctrl-D", "/quit"] {
            let terminal = try PseudoTerminal(rows: 24, columns: 80)
            try terminal.spawn(login)
            try await terminal.waitForScreen("live (\(exit))") { $0.text.contains("● live") }
            #expect(!restored(terminal))
            switch exit {
            case "SIGTERM": terminal.signal(SIGTERM)
            case "Ctrl-D": terminal.type("\u{04}")
            default: terminal.type("/quit\r")
            }
            do {
                #expect(try await terminal.waitForExit() == 0, "\(exit)")
            } catch {
                Issue.record("\(exit): \(error)")
                continue
            }
            #expect(restored(terminal), "\(exit)")
            #expect(!terminal.screen.usingAlternateScreen, "\(exit)")
        }
        try await server.stop()
    }

    @Test func aRefusedTokenRestoresTheTerminalBeforeSayingSoAndExitsThree() async throws {
        let dir = TemporaryDirectory()
        let elsewhere = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let terminal = try PseudoTerminal(rows: 24, columns: 100)
        try terminal.spawn(["--server", server.baseURL, "--token", try await mintAuthToken("alice", dataDirectory: elsewhere.path)])
        #expect(try await terminal.waitForExit() == 3)
        #expect(restored(terminal))
        let screen = terminal.screen
        #expect(!screen.usingAlternateScreen)
        // On the main screen, after leaving the alternate one: the person can read it.
        #expect(screen.text.contains("qactl: the server refused --token"))
        try await server.stop()
    }

    @Test func aRestartShowsTheConversationOfflineAtOnceThenReconnects() async throws {
        let dir = TemporaryDirectory()
        // A short answer, so the whole exchange stays on the screen.
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--answerer", "command", "--answer-command", "echo Noted."])
        let login = ["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path]
        let first = try PseudoTerminal(rows: 24, columns: 80)
        try first.spawn(login)
        try await first.waitForScreen("live") { $0.text.contains("● live") }
        first.type("Remember this line\r")
        try await first.waitForScreen("confirmed and answered") { $0.text.contains("last round trip") && !$0.text.contains("Generating answer…") }
        first.type("/quit\r")
        #expect(try await first.waitForExit() == 0)

        try await server.stop()
        let second = try PseudoTerminal(rows: 24, columns: 80)
        try second.spawn(login)
        try await second.waitForScreen("the saved conversation, offline", timeout: .seconds(8)) {
            $0.text.contains("Remember this line") && $0.text.contains("○ offline")
        }
        try await server.restart()
        try await second.waitForScreen("live again") { $0.text.contains("● live") }
        second.type("Still there?\r")
        try await second.waitForScreen("a new answer") { screen in
            screen.text.contains("Still there?") && screen.text.contains("last round trip") && !screen.text.contains("Generating answer…")
        }
        second.type("\u{03}")
        #expect(try await second.waitForExit() == 0)
        #expect(restored(second))
        try await server.stop()
    }

    @Test func aQuestionTypedOfflineIsQueuedSurvivesQuittingAndIsSentWhenTheServerIsBack() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--answerer", "command", "--answer-command", "echo Noted."])
        let login = ["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path]
        let seeded = try await ChatProcess.run(login + ["--new", "Offline sends"], input: "Seed question\n")
        #expect(seeded.status == 0, "\(seeded.standardError)")
        try await server.stop()

        let terminal = try PseudoTerminal(rows: 24, columns: 120)
        try terminal.spawn(login)
        try await terminal.waitForScreen("offline, from the replica") { $0.text.contains("Seed question") && $0.text.contains("○ offline") }
        terminal.type("Queued question\r")
        try await terminal.waitForScreen("shown as queued", timeout: .seconds(5)) { screen in
            screen.text.contains("Queued question") && screen.text.contains("queued") && screen.text.contains("1 pending")
        }
        terminal.type("\u{03}")
        #expect(try await terminal.waitForExit() == 0)

        // Quitting kept it: the next start shows it queued at once, still offline.
        let again = try PseudoTerminal(rows: 24, columns: 120)
        try again.spawn(login)
        try await again.waitForScreen("still queued after a restart", timeout: .seconds(5)) { screen in
            screen.text.contains("Queued question") && screen.text.contains("queued") && screen.text.contains("1 pending")
                && screen.text.contains("○ offline")
        }
        try await server.restart()
        try await again.waitForScreen("sent and answered once the server is back", timeout: .seconds(40)) { screen in
            screen.text.contains("Queued question") && screen.text.contains("0 pending") && !screen.text.contains("queued")
                && screen.text.contains("last round trip") && !screen.text.contains("Generating answer…")
        }
        again.type("\u{03}")
        #expect(try await again.waitForExit() == 0)
        try await server.stop()
    }

    @Test func aResizeRedrawsForTheNewSize() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let terminal = try PseudoTerminal(rows: 24, columns: 80)
        try terminal.spawn(["--server", server.baseURL, "--user", "alice", "--data-dir", dir.path, "--new", "A rather long title for a narrow window"])
        try await terminal.waitForScreen("live") { $0.text.contains("● live") }
        terminal.resize(rows: 12, columns: 40)
        try await terminal.waitForScreen("redrawn at 40×12") { screen in
            screen.line(0).hasSuffix("127.0.0.1:\(server.port)") && screen.line(10).hasPrefix("● live") && screen.line(11) == ">"
        }
        #expect(terminal.screen.line(0).contains("…"))
        terminal.type("\u{03}")
        #expect(try await terminal.waitForExit() == 0)
        try await server.stop()
    }
}
