import Foundation
import GRDB
import ShapeWire

/// What a write route did.
public enum WriteOutcome<Row: Sendable>: Sendable {
    /// Written now, in transaction `txid`.
    case created(Row, txid: UInt64)
    /// The same request was already carried out: its original result, nothing written.
    case repeated(Row, txid: UInt64)
    /// The id is taken by another user's row, or by a different request.
    case conflict(String)
    /// The caller may not write there (not their conversation).
    case forbidden
}

/// A conversation row as the API returns it.
public struct ConversationRow: Sendable, Codable, Equatable {
    public let id: String
    public let userID: String
    public let title: String
    public let createdAt: String
    public let updatedAt: String

    public init(id: String, userID: String, title: String, createdAt: String, updatedAt: String) {
        self.id = id
        self.userID = userID
        self.title = title
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, title
        case userID = "user_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

extension SQLiteStore {
    /// The owner of conversation `id`, or nil when there is no such conversation.
    public func conversationOwner(_ id: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db, sql: "SELECT user_id FROM conversations WHERE id = ?", arguments: [id]) }
    }

    /// Creates conversation `id` for `user`; the same request again returns the
    /// original row and txid.
    public func createConversation(id: String, user: String, title: String, now: Date) async throws -> WriteOutcome<ConversationRow> {
        // Idempotent on the id for the same user: the same answer, whatever the title.
        let fingerprint = Self.fingerprint([user])
        let loadRow: @Sendable (Database) throws -> ConversationRow? = { db in
            try Row.fetchOne(db, sql: "SELECT id, user_id, title, created_at, updated_at FROM conversations WHERE id = ?", arguments: [id]).map {
                ConversationRow(id: $0[0], userID: $0[1], title: $0[2], createdAt: $0[3], updatedAt: $0[4])
            }
        }
        return try await idempotentWrite(kind: "conversation", id: id, user: user, fingerprint: fingerprint) { db, txid in
            if let owner = try String.fetchOne(db, sql: "SELECT user_id FROM conversations WHERE id = ?", arguments: [id]) {
                // Made outside the API (no request record): the user's own is theirs
                // again, with nothing new to wait for (txid 0 is visible to every snapshot).
                guard owner == user, let row = try loadRow(db) else { return .conflict("conversation id \(id) is taken") }
                return .repeated(row, txid: 0)
            }
            let stamp = PostgresText.timestamp(now)
            try db.execute(
                sql: "INSERT INTO conversations(id, user_id, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [id, user, title, stamp, stamp])
            return .created(ConversationRow(id: id, userID: user, title: title, createdAt: stamp, updatedAt: stamp), txid: txid)
        } load: { db in try loadRow(db) }
    }

    /// Inserts the question (`user`, `completed`) and its answer placeholder
    /// (`assistant`, `pending`, empty) in one transaction. The placeholder's
    /// `created_at` is strictly after the question's.
    public func sendQuestion(conversation: String, questionID: String, answerID: String, user: String, content: String, now: Date) async throws -> WriteOutcome<String> {
        let fingerprint = Self.fingerprint([user, conversation, answerID, content])
        return try await idempotentWrite(kind: "question", id: questionID, user: user, fingerprint: fingerprint) { db, txid in
            guard let owner = try String.fetchOne(db, sql: "SELECT user_id FROM conversations WHERE id = ?", arguments: [conversation]), owner == user else {
                return .forbidden
            }
            let taken = try String.fetchAll(db, sql: "SELECT id FROM messages WHERE id IN (?, ?)", arguments: [questionID, answerID])
            guard taken.isEmpty, questionID != answerID else {
                return .conflict("message id \(taken.first ?? answerID) is already used")
            }
            let micros = Int64((now.timeIntervalSince1970 * 1_000_000).rounded(.down))
            let asked = PostgresText.timestamp(microsecondsSinceEpoch: micros)
            let placed = PostgresText.timestamp(microsecondsSinceEpoch: micros + 1)
            try db.execute(
                sql: """
                    INSERT INTO messages(id, conversation_id, user_id, role, status, content, created_at, updated_at)
                    VALUES (?, ?, ?, 'user', 'completed', ?, ?, ?), (?, ?, ?, 'assistant', 'pending', '', ?, ?)
                    """,
                arguments: [questionID, conversation, user, content, asked, asked, answerID, conversation, user, placed, placed])
            try db.execute(sql: "UPDATE conversations SET updated_at = ? WHERE id = ?", arguments: [placed, conversation])
            return .created(answerID, txid: txid)
        } load: { _ in answerID }
    }

    /// Runs `write` once per (kind, id): a repeat with the same fingerprint gets
    /// the stored txid back and writes nothing; with another fingerprint (other
    /// user or content) it is a conflict. The check runs inside the write
    /// transaction, so a duplicate sent while the first is in flight (a retry, a
    /// double click) waits for it and then answers as a repeat.
    private func idempotentWrite<T: Sendable>(
        kind: String, id: String, user: String, fingerprint: String,
        _ write: @escaping @Sendable (Database, UInt64) throws -> WriteOutcome<T>,
        load: @escaping @Sendable (Database) throws -> T?
    ) async throws -> WriteOutcome<T> {
        do {
            let (outcome, _) = try await transaction { db, txid -> WriteOutcome<T> in
                if let earlier = try Row.fetchOne(
                    db, sql: "SELECT user_id, fingerprint, txid FROM _qactl_requests WHERE kind = ? AND id = ?", arguments: [kind, id]) {
                    let (owner, print, original): (String, String, Int64) = (earlier[0], earlier[1], earlier[2])
                    guard owner == user, print == fingerprint else {
                        throw Refusal(outcome: WriteOutcome<T>.conflict("\(kind) \(id) was already sent with different content"))
                    }
                    guard let row = try load(db) else {
                        throw Refusal(outcome: WriteOutcome<T>.conflict("\(kind) \(id) was sent before but is gone"))
                    }
                    // Rolled back: a repeat writes nothing.
                    throw Refusal(outcome: WriteOutcome<T>.repeated(row, txid: UInt64(original)))
                }
                let outcome = try write(db, txid)
                guard case .created = outcome else { throw Refusal(outcome: outcome) }
                try db.execute(
                    sql: "INSERT INTO _qactl_requests(kind, id, user_id, fingerprint, txid) VALUES (?, ?, ?, ?, ?)",
                    arguments: [kind, id, user, fingerprint, Int64(txid)])
                return outcome
            }
            return outcome
        } catch let refusal as Refusal<T> {
            return refusal.outcome
        }
    }

    private struct Refusal<T: Sendable>: Error {
        let outcome: WriteOutcome<T>
    }

    static func fingerprint(_ parts: [String]) -> String {
        // Lengths keep ("ab","c") and ("a","bc") apart.
        parts.map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
    }
}
