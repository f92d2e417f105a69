import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The conversation as screen lines: each message a header (who, when, its
/// state) over its wrapped content, notices between them in time order.
enum TranscriptLayout {
    static let indent = "  "

    /// Every line of the transcript at `width` columns, oldest first.
    static func lines(for state: ChatState, width: Int) -> [StyledLine] {
        var entries: [(date: Date, lines: [StyledLine])] = []
        for message in state.messages {
            entries.append((message.createdAt ?? .distantFuture, block(for: message, in: state, width: width)))
        }
        for notice in state.notices {
            entries.append((notice.date, block(for: notice, width: width)))
        }
        if state.messages.isEmpty {
            let hint: String
            switch state.connection {
            case .connecting where state.conversation == nil: hint = "Connecting to \(state.server)…"
            case .offline where state.conversation == nil: hint = "\(state.server) does not answer; retrying…"
            case _ where state.conversation == nil: hint = "Opening your conversation…"
            default: hint = "No messages yet. Type a question and press Enter."
            }
            entries.insert((.distantPast, [StyledLine([Span(hint, .dim)])]), at: 0)
        }
        // Stable: equal times keep insertion order (messages before notices).
        let ordered = entries.enumerated().sorted { ($0.element.date, $0.offset) < ($1.element.date, $1.offset) }
        return ordered.flatMap { $0.element.lines + [StyledLine()] }
    }

    private static func block(for message: ChatMessage, in state: ChatState, width: Int) -> [StyledLine] {
        var header: [Span]
        let time = message.createdAt.map(clock) ?? ""
        if message.role == .user {
            header = [Span(TextLayout.sanitize(message.userID), .userLabel), Span("  " + time, .dim)]
            if let send = state.send(forMessage: message.id) {
                switch send.phase {
                case .pending: header.append(Span("  sending…", .warning))
                case .queued: header.append(Span("  queued", .warning))
                case .confirmed(_, let roundTrip): header.append(Span("  ✓ \(EventFormatter.milliseconds(roundTrip)) ms", .good))
                case .failed: header.append(Span("  not sent", .bad))
                }
            } else if message.isOptimistic {
                header.append(Span("  sending…", .warning))
            }
        } else {
            header = [Span(EventFormatter.answerLabel, .answerLabel), Span("  " + time, .dim)]
            switch message.status {
            case "pending": header.append(Span("  waiting", .dim))
            case "streaming": header.append(Span("  streaming…", .dim))
            case "failed": header.append(Span("  failed", .bad))
            default: break
            }
        }
        var lines = [StyledLine(header)]
        let contentWidth = max(1, width - indent.count)
        if message.isInProgress && message.content.isEmpty {
            lines.append(StyledLine([Span(indent), Span(EventFormatter.placeholder, .placeholder)]))
        } else {
            for line in contentLines(of: message, width: contentWidth) {
                lines.append(StyledLine([Span(indent)] + line.spans))
            }
            if message.status == "streaming", var last = lines.popLast() {
                last.spans.append(Span("▍", .dim))
                lines.append(last)
            }
        }
        return lines
    }

    /// A message's text as lines: answers read as Markdown (bold, code and lists shown as
    /// such), questions and failures as they are.
    private static func contentLines(of message: ChatMessage, width: Int) -> [StyledLine] {
        let content = TextLayout.sanitize(message.content)
        if message.role == .assistant && message.status != "failed" {
            return AnswerMarkdown.styledLines(content, width: width)
        }
        let style: Style = message.status == "failed" ? .bad : .plain
        return TextLayout.wrap(content, width: width).map { StyledLine([Span($0, style)]) }
    }

    private static func block(for notice: Notice, width: Int) -> [StyledLine] {
        let style: Style = notice.isError ? .bad : .dim
        let wrapped = TextLayout.wrap(TextLayout.sanitize(notice.text), width: max(1, width - 2))
        return wrapped.enumerated().map { index, line in
            StyledLine([Span(index == 0 ? (notice.isError ? "! " : "* ") : "  ", style), Span(line, style)])
        }
    }

    /// `HH:MM` in local time.
    static func clock(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&seconds, &parts)
        let hour = Int(parts.tm_hour)
        let minute = Int(parts.tm_min)
        return (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
    }
}
