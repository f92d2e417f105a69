import Foundation
import QACtlSync

/// Everything the three modes show, as one value: the session publishes a new
/// one after every change, and each mode renders it (interactive) or turns the
/// difference from the previous one into lines (plain, `--ask`).
struct ChatState: Sendable, Equatable {
    var server: String
    var user: String
    /// The open conversation; nil until one is chosen.
    var conversation: ConversationInfo?
    /// Its messages in `created_at` order (a question above its answer).
    var messages: [ChatMessage] = []
    /// This session's questions, oldest first.
    var sends: [SendRecord] = []
    var connection: ConnectionStatus = .connecting
    /// The user's conversations, most recently updated first.
    var conversations: [ConversationInfo] = []
    /// Errors and command output, oldest first (the last ``ChatSession/maxNotices``).
    var notices: [Notice] = []

    /// Questions sent (or queued) and not yet confirmed or rolled back.
    var pendingWrites: Int { sends.count(where: \.isUnsettled) }

    /// The round trip of the most recently confirmed question.
    var lastRoundTrip: Duration? {
        for send in sends.reversed() {
            if case .confirmed(_, let roundTrip) = send.phase { return roundTrip }
        }
        return nil
    }

    func send(forMessage id: String) -> SendRecord? {
        sends.last { $0.questionID == id || $0.answerID == id }
    }
}

/// Where the connection to the server stands.
enum ConnectionStatus: Sendable, Equatable {
    /// Nothing heard from the server yet.
    case connecting
    /// The server answers; the conversation's rows are still arriving.
    case syncing
    /// Up to date, and following changes as they happen.
    case live
    /// The server does not answer; the client keeps retrying.
    case offline
    /// Syncing stopped on a failure retrying cannot fix.
    case failed(String)

    var label: String {
        switch self {
        case .connecting: "connecting"
        case .syncing: "syncing"
        case .live: "live"
        case .offline: "offline"
        case .failed: "error"
        }
    }
}

/// A conversation of the user.
struct ConversationInfo: Sendable, Equatable {
    let id: String
    let title: String
    let updatedAt: Date?

    init(id: String, title: String, updatedAt: Date? = nil) {
        self.id = id
        self.title = title
        self.updatedAt = updatedAt
    }

    init?(row: Row) {
        guard let id = row["id"] else { return nil }
        self.init(id: id, title: row["title"] ?? id, updatedAt: row.date("updated_at"))
    }
}

/// One row of `messages`, as the client shows it.
struct ChatMessage: Sendable, Equatable {
    enum Role: String, Sendable {
        case user, assistant
    }

    let id: String
    let role: Role
    let userID: String
    /// `pending`, `streaming`, `completed` or `failed`.
    let status: String
    let content: String
    let createdAt: Date?
    /// Shown from an optimistic write that has not synced back yet.
    let isOptimistic: Bool

    init(id: String, role: Role, userID: String, status: String, content: String, createdAt: Date?, isOptimistic: Bool) {
        self.id = id
        self.role = role
        self.userID = userID
        self.status = status
        self.content = content
        self.createdAt = createdAt
        self.isOptimistic = isOptimistic
    }

    init?(row: Row, optimistic: Bool) {
        guard let id = row["id"] else { return nil }
        self.init(
            id: id, role: row["role"] == "assistant" ? .assistant : .user, userID: row["user_id"] ?? "?",
            status: row["status"] ?? "completed", content: row["content"] ?? "", createdAt: row.date("created_at"),
            isOptimistic: optimistic)
    }

    /// An answer still being written: pending or streaming.
    var isInProgress: Bool { role == .assistant && (status == "pending" || status == "streaming") }

    /// Messages in `created_at` order; the server makes an answer's strictly
    /// later than its question's, and the id breaks exact ties.
    static func ordered(_ rows: [String: Row], optimistic: Set<String>) -> [ChatMessage] {
        rows.compactMap { ChatMessage(row: $0.value, optimistic: optimistic.contains($0.key)) }.sorted { left, right in
            switch (left.createdAt, right.createdAt) {
            case (let a?, let b?) where a != b: return a < b
            case (nil, _?): return false
            case (_?, nil): return true
            default: return (left.role == .user ? 0 : 1, left.id) < (right.role == .user ? 0 : 1, right.id)
            }
        }
    }
}

/// A question this session sent, and what became of it.
struct SendRecord: Sendable, Equatable {
    enum Phase: Sendable, Equatable {
        /// Shown optimistically; the write or its txid is awaited.
        case pending
        /// Shown optimistically and kept in the outbox: the server could not
        /// be reached (`reason`); it goes out, in order, when the server is back.
        case queued(reason: String)
        /// The txid synced back this long after sending.
        case confirmed(txid: UInt64, roundTrip: Duration)
        /// Rolled back: the optimistic rows are gone.
        case failed(ChatError)
    }

    let questionID: String
    let answerID: String
    let conversationID: String
    let content: String
    var phase: Phase

    /// Neither confirmed nor rolled back yet.
    var isUnsettled: Bool {
        switch phase {
        case .pending, .queued: true
        case .confirmed, .failed: false
        }
    }
}

/// A line of feedback that is not a message: command output or an error.
struct Notice: Sendable, Equatable {
    let id: Int
    let date: Date
    let text: String
    let isError: Bool
}
