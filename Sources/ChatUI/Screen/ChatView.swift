/// What the full-screen client shows, and the local state behind it (the
/// composer, the scroll position): a header bar, the transcript, the status
/// line and the composer, laid out for one terminal size.
///
/// ```
///  qactl chat · Questions                      alice @ 127.0.0.1:8787
/// alice  10:42  ✓ 84 ms
///   How do shapes work?
///
/// qactl  10:42  streaming…
///   A shape is a live, filtered subset of a table…▍
///
/// ● live · 0 pending · last round trip 84 ms                     /help
/// > _
/// ```
struct ChatView: Sendable {
    /// A rendered screen: one string per row and where the cursor goes.
    struct Frame: Sendable, Equatable {
        var rows: [String]
        var cursorRow: Int
        var cursorColumn: Int
    }

    var state: ChatState
    var composer = Composer()
    var size: TerminalSize
    var colour: Bool
    /// Lines scrolled back from the newest; 0 follows the conversation.
    private(set) var scrollBack = 0
    /// The transcript's length when last drawn: growth while scrolled back keeps the view still.
    private var lastTotal = 0

    static let prompt = "> "

    init(state: ChatState, size: TerminalSize, colour: Bool) {
        self.state = state
        self.size = size
        self.colour = colour
    }

    /// Rows available to the transcript.
    var logHeight: Int { max(1, size.rows - 3) }

    mutating func scroll(by lines: Int) {
        scrollBack = max(0, scrollBack + lines)
    }

    mutating func followNewest() {
        scrollBack = 0
    }

    /// Lays out the screen; clamps the scroll position to the transcript.
    mutating func frame() -> Frame {
        let width = size.columns
        guard size.rows >= 4, width >= 20 else {
            let note = StyledLine([Span("qactl chat: the window is too small")]).rendered(width: width, colour: colour)
            return Frame(rows: [note] + Array(repeating: "\u{1B}[K", count: max(0, size.rows - 1)), cursorRow: 0, cursorColumn: 0)
        }
        let transcript = TranscriptLayout.lines(for: state, width: width)
        if scrollBack > 0 && transcript.count > lastTotal { scrollBack += transcript.count - lastTotal }
        lastTotal = transcript.count
        scrollBack = min(scrollBack, max(0, transcript.count - logHeight))
        let end = transcript.count - scrollBack
        var visible = Array(transcript[max(0, end - logHeight)..<end])
        // Short conversations sit at the bottom, next to the composer, as in any chat.
        visible.insert(contentsOf: Array(repeating: StyledLine(), count: logHeight - visible.count), at: 0)

        var lines = [header(width: width)] + visible
        lines.append(statusLine(width: width))
        let (text, cursor) = composer.visible(width: width - DisplayWidth.of(Self.prompt))
        lines.append(StyledLine([Span(Self.prompt, .bold), Span(text)]))
        return Frame(
            rows: lines.map { $0.rendered(width: width, colour: colour) }, cursorRow: size.rows - 1,
            cursorColumn: DisplayWidth.of(Self.prompt) + cursor)
    }

    private func header(width: Int) -> StyledLine {
        let title = state.conversation.map { TextLayout.sanitize($0.title) } ?? "no conversation"
        let host = state.server.split(separator: "/").dropFirst().first.map(String.init) ?? state.server
        let right = "\(TextLayout.sanitize(state.user)) @ \(host) "
        let leftRoom = max(0, width - DisplayWidth.of(right) - 1)
        let left = TextLayout.ellipsized(" qactl chat · " + title, width: leftRoom)
        let gap = String(repeating: " ", count: max(1, width - DisplayWidth.of(left) - DisplayWidth.of(right)))
        return StyledLine([Span(left, .bold), Span(gap), Span(right)], fill: .bar)
    }

    private func statusLine(width: Int) -> StyledLine {
        var spans: [Span]
        switch state.connection {
        case .live: spans = [Span("● live", .good)]
        case .syncing: spans = [Span("◌ syncing", .warning)]
        case .connecting: spans = [Span("◌ connecting", .warning)]
        case .offline: spans = [Span("○ offline, reconnecting", .bad)]
        case .failed(let reason): spans = [Span("✕ " + TextLayout.sanitize(reason), .bad)]
        }
        let pending = state.pendingWrites
        spans.append(Span(" · \(pending) pending", pending > 0 ? .warning : .dim))
        if let roundTrip = state.lastRoundTrip {
            spans.append(Span(" · last round trip \(EventFormatter.milliseconds(roundTrip)) ms", .dim))
        }
        let hint = scrollBack > 0 ? "↓ \(scrollBack) more · End " : "/help "
        let used = spans.reduce(0) { $0 + DisplayWidth.of($1.text) }
        if used + DisplayWidth.of(hint) + 1 <= width {
            spans.append(Span(String(repeating: " ", count: width - used - DisplayWidth.of(hint))))
            spans.append(Span(hint, .dim))
        }
        return StyledLine(spans)
    }
}
