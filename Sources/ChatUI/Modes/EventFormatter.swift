import Foundation
import ShapeWire

/// Turns ``ChatEvent``s into the plain mode's text lines or `--json` objects.
///
/// Text: messages as `alice> …` and `qactl> …` (continuation lines indented; answers'
/// Markdown as plain text),
/// confirmations as `  ✓ …`, notices as `* …`, errors as `! …`; nothing for
/// events that only matter to programs (chunks, removals). JSON: one object
/// per event, `event` first, every event.
enum EventFormatter {
    /// The label of answers.
    static let answerLabel = "qactl"
    static let placeholder = "Generating answer…"

    /// The text lines for `event`, or nil when text mode shows nothing for it.
    static func text(_ event: ChatEvent, server: String) -> String? {
        switch event {
        case .conversation(let info):
            return "* conversation “\(clean(info.title))” (\(info.id))"
        case .connection(.live):
            return "* live"
        case .connection(.offline):
            return "* offline: \(server) does not answer; retrying"
        case .connection(.failed(let reason)):
            return "! \(clean(reason))"
        case .connection:
            return nil
        case .confirmed(_, let txid, let roundTrip):
            return "  ✓ confirmed in \(milliseconds(roundTrip)) ms (txid \(txid))"
        case .queued(let send, let reason):
            return "  … queued “\(clean(ChatSession.excerpt(send.content)))”: \(clean(reason)); sent when the server is back"
        case .message(let message):
            if message.role == .user {
                return block("\(clean(message.userID))> ", message.content + (message.isOptimistic ? "  (sending…)" : ""))
            }
            switch message.status {
            case "completed": return answer(message.content)
            case "failed": return answer(message.content, failed: true)
            default: return "\(answerLabel)> \(placeholder)"
            }
        case .status(let message) where message.role == .assistant && message.status == "completed":
            return answer(message.content)
        case .status(let message) where message.role == .assistant && message.status == "failed":
            return answer(message.content, failed: true)
        case .notice(let notice):
            return block(notice.isError ? "! " : "* ", notice.text)
        case .optimistic, .rolledBack, .chunk, .status, .removed:
            // The message lines and the rollback's notice already tell a reader.
            return nil
        }
    }

    /// An answer: its Markdown as plain text (see ``AnswerMarkdown/plain(_:)``), labelled.
    static func answer(_ content: String, failed: Bool = false) -> String {
        block("\(answerLabel)> ", (failed ? "[answer failed] " : "") + AnswerMarkdown.plain(clean(content)))
    }

    /// A prefixed, sanitised block; lines after the first indented by two spaces.
    static func block(_ prefix: String, _ text: String) -> String {
        let lines = clean(text).split(separator: "\n", omittingEmptySubsequences: false)
        // Blank lines stay blank: no trailing spaces.
        return prefix + lines.map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n").dropFirst(lines.first?.isEmpty == false ? 2 : 0)
    }

    private static func clean(_ text: String) -> String { TextLayout.sanitize(text) }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    // MARK: JSON

    /// One JSON object for `event`.
    static func json(_ event: ChatEvent) -> String {
        switch event {
        case .conversation(let info):
            return object("conversation", [("id", string(info.id)), ("title", string(info.title))])
        case .connection(let status):
            var members = [("status", string(status.label))]
            if case .failed(let reason) = status { members.append(("error", string(reason))) }
            return object("connection", members)
        case .optimistic(let send):
            return object("optimistic", ids(send) + [("conversationId", string(send.conversationID)), ("content", string(send.content))])
        case .queued(let send, let reason):
            return object("queued", ids(send) + [("reason", string(reason))])
        case .confirmed(let send, let txid, let roundTrip):
            return object("confirmed", ids(send) + [("txid", String(txid)), ("ms", String(milliseconds(roundTrip)))])
        case .rolledBack(let send, let error):
            return object("rolledBack", ids(send) + [("error", string(error.message)), ("exitCode", String(error.exitStatus.rawValue))])
        case .message(let message):
            return object("message", describe(message) + [("content", string(message.content)), ("optimistic", String(message.isOptimistic))])
        case .chunk(let message, let text, let replaced):
            var members = [("id", string(message.id)), ("status", string(message.status)), ("text", string(text))]
            if replaced { members.append(("replace", "true")) }
            return object("chunk", members)
        case .status(let message):
            // Named by the new status: "streaming", "completed", "failed".
            return object(message.status, describe(message) + [("content", string(message.content))])
        case .removed(let id):
            return object("removed", [("id", string(id))])
        case .notice(let notice):
            return object("notice", [("text", string(notice.text)), ("error", String(notice.isError))])
        }
    }

    private static func ids(_ send: SendRecord) -> [(String, String)] {
        [("questionId", string(send.questionID)), ("answerId", string(send.answerID))]
    }

    private static func describe(_ message: ChatMessage) -> [(String, String)] {
        var members = [
            ("id", string(message.id)), ("role", string(message.role.rawValue)), ("userId", string(message.userID)),
            ("status", string(message.status)),
        ]
        if let created = message.createdAt { members.append(("createdAt", string(iso8601(created)))) }
        return members
    }

    private static func object(_ event: String, _ members: [(String, String)]) -> String {
        JSONText.object([("event", string(event))] + members)
    }

    private static func string(_ value: String) -> String { JSONText.quoted(value) }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
