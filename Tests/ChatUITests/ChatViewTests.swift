import Testing
@testable import ChatUI
import QACtlTestSupport

struct ChatViewTests {
    typealias F = Fixtures

    /// The frame as a person sees it.
    private func screen(_ view: inout ChatView) -> [String] {
        let frame = view.frame()
        var screen = VirtualScreen(rows: view.size.rows, columns: view.size.columns)
        for (index, row) in frame.rows.enumerated() { screen.feed(Array("\u{1B}[\(index + 1);1H\(row)".utf8)) }
        return (0..<view.size.rows).map { screen.line($0) }
    }

    @Test func theQuestionAboveItsPlaceholderThenStatusAndComposer() {
        let state = F.state(
            [F.message("a-1", .assistant, status: "pending", at: 0.001, optimistic: true), F.message("q-1", content: "How do shapes work?", optimistic: true)],
            sends: [F.send()])
        var view = ChatView(state: state, size: TerminalSize(rows: 12, columns: 60), colour: false)
        view.composer.insert("next")
        let lines = screen(&view)
        #expect(lines[0].hasPrefix(" qactl chat · Questions"))
        #expect(lines[0].hasSuffix("alice @ 127.0.0.1:8787"))
        let question = lines.firstIndex { $0.contains("How do shapes work?") }
        let placeholder = lines.firstIndex { $0.contains("Generating answer…") }
        #expect(question != nil && placeholder != nil && question! < placeholder!)
        #expect(lines.contains { $0.hasPrefix("alice") && $0.contains("sending…") })
        #expect(lines[10].hasPrefix("● live · 1 pending"))
        #expect(lines[11] == "> next")
        #expect(view.frame().cursorColumn == 6)
    }

    @Test func confirmedWithItsRoundTripAndTheAnswerWrappedByColumns() {
        let confirmed = F.send(.confirmed(txid: 9, roundTrip: .milliseconds(84)))
        let answer = String(repeating: "日本語 ", count: 10)
        let state = F.state(
            [F.message("q-1", content: "How do shapes work?"), F.message("a-1", .assistant, content: answer, at: 0.001)], sends: [confirmed])
        var view = ChatView(state: state, size: TerminalSize(rows: 20, columns: 24), colour: false)
        let lines = screen(&view)
        #expect(lines.contains { $0.hasPrefix("alice") && $0.contains("✓ 84 ms") })
        #expect(lines.contains { $0.contains("last round trip 84 ms") || $0.contains("0 pending") })
        let wrapped = lines.filter { $0.contains("日本語") }
        #expect(wrapped.count == 4)
        #expect(wrapped.allSatisfy { DisplayWidth.of($0) <= 24 })
    }

    @Test func scrollingBackShowsOlderLinesAndStaysPutAsNewOnesArrive() {
        let messages = (0..<20).map { F.message("m-\($0)", content: "line \($0)", at: Double($0)) }
        var view = ChatView(state: F.state(messages), size: TerminalSize(rows: 10, columns: 40), colour: false)
        #expect(screen(&view).contains("  line 19"))
        view.scroll(by: 1000)
        let top = screen(&view)
        #expect(top.contains("  line 0"))
        #expect(!top.contains("  line 19"))
        #expect(top[8].contains("↓ 53 more · End"))
        view.state.messages.append(F.message("m-20", content: "line 20", at: 20))
        #expect(screen(&view) == screen(&view))
        #expect(screen(&view).contains("  line 0"))
        view.followNewest()
        #expect(screen(&view).contains("  line 20"))
    }

    @Test func offlineAndFailuresShowInTheStatusLine() {
        var view = ChatView(state: F.state(connection: .offline), size: TerminalSize(rows: 8, columns: 50), colour: false)
        #expect(screen(&view)[6].hasPrefix("○ offline, reconnecting"))
        view.state.connection = .failed("syncing this conversation: not allowed")
        #expect(screen(&view)[6].hasPrefix("✕ syncing this conversation: not allowed"))
    }

    @Test func colourOnlyWhenAllowed() {
        let state = F.state([F.message("q-1", content: "hi")])
        var plain = ChatView(state: state, size: TerminalSize(rows: 8, columns: 40), colour: false)
        var coloured = ChatView(state: state, size: TerminalSize(rows: 8, columns: 40), colour: true)
        #expect(!plain.frame().rows.joined().contains("\u{1B}[32m"))
        #expect(coloured.frame().rows.joined().contains("\u{1B}[32m"))
    }

    @Test func aMessageCannotDrawOutsideItsLines() {
        let state = F.state([F.message("q-1", content: "\u{1B}[2J\u{1B}[1;1Hgotcha")])
        var view = ChatView(state: state, size: TerminalSize(rows: 8, columns: 40), colour: false)
        let rows = view.frame().rows
        #expect(!rows.joined().contains("\u{1B}[2J"))
        #expect(screen(&view).contains("  [2J[1;1Hgotcha"))
    }
}
