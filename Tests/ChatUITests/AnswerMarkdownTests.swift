import Testing
@testable import ChatUI
import QACtlTestSupport

/// Answers' Markdown on a terminal: clean plain text for the line modes, styled lines for the full screen.
struct AnswerMarkdownTests {
    typealias F = Fixtures

    static let answer = """
        A **shape token** names exactly one shape; mint it with `qactl token mint shape`.

        - `--ttl <duration>`: how long it is valid
        - *auth tokens* say who you are

        ```sh
        qactl token mint shape --sub alice --table messages
        ```

        Sources: README.md § qactl token
        """

    @Test func plainTextDropsBoldMarkersAndFencesAndIndentsCode() {
        #expect(AnswerMarkdown.plain(Self.answer) == """
            A shape token names exactly one shape; mint it with `qactl token mint shape`.

            - `--ttl <duration>`: how long it is valid
            - auth tokens say who you are

                qactl token mint shape --sub alice --table messages

            Sources: README.md § qactl token
            """)
        // Markers without a partner, and text that only looks like Markdown, stay as written.
        #expect(AnswerMarkdown.plain("2 * 3 = 6, a **b and `c") == "2 * 3 = 6, a **b and `c")
        #expect(AnswerMarkdown.plain("**`ShapeWire`**: the wire format") == "`ShapeWire`: the wire format")
    }

    @Test func anAnswerStillStreamingInsideACodeBlockShowsTheCodeSoFar() {
        #expect(AnswerMarkdown.plain("Run:\n\n```sh\nqactl serve") == "Run:\n\n    qactl serve")
    }

    @Test func theLineModesPrintAnswersAsPlainTextAndQuestionsAsTyped() {
        let server = "http://127.0.0.1:8787"
        let answer = EventFormatter.text(.status(F.message("a-1", .assistant, content: Self.answer)), server: server)
        #expect(answer?.hasPrefix("qactl> A shape token names exactly one shape; mint it with `qactl token mint shape`.\n\n  - `--ttl") == true)
        #expect(answer?.contains("\n      qactl token mint shape --sub alice --table messages\n") == true)
        #expect(answer?.contains("**") == false && answer?.contains("```") == false)
        let question = EventFormatter.text(.message(F.message("q-1", content: "Is **this** `code`?")), server: server)
        #expect(question == "alice> Is **this** `code`?")
    }

    @Test func styledLinesBoldCodeBulletsWithHangingIndentAndDimSources() {
        let lines = AnswerMarkdown.styledLines(Self.answer, width: 30)
        let texts = lines.map(\.text)
        #expect(texts.allSatisfy { DisplayWidth.of($0) <= 30 })
        #expect(lines[0].spans.contains(Span("shape token", .bold)))
        #expect(lines.contains { $0.spans.contains(Span("qactl token mint shape", .code)) })
        let item = try? #require(texts.firstIndex { $0.hasPrefix("• --ttl <duration>:") })
        #expect(item.map { texts[$0 + 1].hasPrefix("  ") && !texts[$0 + 1].hasPrefix("   ") } == true, "\(texts)")
        #expect(texts.contains("• auth tokens say who you are"))
        #expect(lines.contains { $0.spans.first == Span("    ") && $0.spans.last?.style == .code })
        // The sources line, wrapped at 30 columns, all of it dimmed.
        #expect(texts.suffix(2) == ["Sources: README.md § qactl", "token"])
        #expect(lines.suffix(2).allSatisfy { $0.spans.allSatisfy { $0.style == .dim } })
    }

    @Test func theFullScreenShowsAnswersStyledAndQuestionsAsTyped() {
        let state = F.state([
            F.message("q-1", content: "What is a **shape token**?"),
            F.message("a-1", .assistant, content: Self.answer, at: 0.001),
        ])
        var view = ChatView(state: state, size: TerminalSize(rows: 24, columns: 60), colour: false)
        let rows = view.frame().rows
        #expect(rows.contains { $0.contains("\u{1B}[1mshape token\u{1B}[0m") }, "bold in the answer")
        #expect(rows.contains { $0.contains("What is a **shape token**?") }, "the question as typed")
        #expect(rows.contains { $0.contains("  • ") })
        #expect(!rows.contains { $0.contains("```") })
        #expect(rows.contains { $0.contains("\u{1B}[2mSources: README.md § qactl token") })
    }
}
