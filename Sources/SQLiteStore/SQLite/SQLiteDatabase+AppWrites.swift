import AppModel
import Foundation
import GRDB
import ShapeWire

extension SQLiteDatabase {
    /// The owner of conversation `id`, or nil when there is no such conversation.
    public func conversationOwner(_ id: String) async throws -> String? {
        try await pool.read { db in try String.fetchOne(db.cachedStatement(sql: "SELECT user_id FROM conversations WHERE id = ?"), arguments: [id]) }
    }

    /// Creates conversation `id` for `user`; the same request again returns the
    /// original row and txid.
    public func createConversation(id: String, user: String, title: String, now: Date) async throws -> WriteOutcome<ConversationRow> {
        let request = WriteRules.Request.conversation(id: id, user: user, title: title)
        let loadRow: @Sendable (Database) throws -> ConversationRow? = { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT id, user_id, title, created_at, updated_at FROM conversations WHERE id = ?"), arguments: [id]).map {
                ConversationRow(id: $0[0], userID: $0[1], title: $0[2], createdAt: $0[3], updatedAt: $0[4])
            }
        }
        return try await idempotentWrite(request) { db, txid in
            let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT user_id FROM conversations WHERE id = ?"), arguments: [id])
            switch WriteRules.createConversation(request, existingOwner: owner) {
            case .taken(let reason):
                return .conflict(reason)
            case .alreadyTheirs:
                guard let row = try loadRow(db) else { return .conflict("conversation id \(id) is taken") }
                return .repeated(row, txid: 0)
            case .insert:
                let stamp = PostgresText.timestamp(now)
                try db.cachedStatement(sql: "INSERT INTO conversations(id, user_id, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)").execute(arguments: [id, user, title, stamp, stamp])
                return .created(ConversationRow(id: id, userID: user, title: title, createdAt: stamp, updatedAt: stamp), txid: txid)
            }
        } load: { db in try loadRow(db) }
    }

    /// Inserts the question (`user`, `completed`) and its answer placeholder
    /// (`assistant`, `pending`, empty) in one transaction.
    public func sendQuestion(conversation: String, questionID: String, answerID: String, user: String, content: String, now: Date) async throws -> WriteOutcome<SentQuestion> {
        let request = WriteRules.Request.question(id: questionID, user: user, conversation: conversation, answerID: answerID, content: content)
        return try await idempotentWrite(request) { db, txid in
            let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT user_id FROM conversations WHERE id = ?"), arguments: [conversation])
            // Two lookups, not `IN (?, ?)`: SQLite builds a temporary b-tree for an IN list.
            let taken = try String.fetchAll(
                db.cachedStatement(sql: "SELECT id FROM messages WHERE id = ? UNION ALL SELECT id FROM messages WHERE id = ?"), arguments: [questionID, answerID])
            let verdict = WriteRules.sendQuestion(request, answerID: answerID, conversationOwner: owner, taken: taken)
            if let refusal = verdict.refusal(as: SentQuestion.self) { return refusal }
            let (asked, placed) = WriteRules.questionTimes(now: now)
            try db.cachedStatement(
                sql: """
                    INSERT INTO messages(id, conversation_id, user_id, role, status, content, created_at, updated_at)
                    VALUES (?, ?, ?, 'user', 'completed', ?, ?, ?), (?, ?, ?, 'assistant', 'pending', '', ?, ?)
                    """).execute(
                arguments: [questionID, conversation, user, content, asked, asked, answerID, conversation, user, placed, placed])
            try db.cachedStatement(sql: "UPDATE conversations SET updated_at = ? WHERE id = ?").execute(arguments: [placed, conversation])
            // Commits are serial and the change feed's position is the txid.
            return .created(SentQuestion(answerID: answerID, position: txid), txid: txid)
        } load: { _ in SentQuestion(answerID: answerID, position: nil) }
    }

    /// Runs `write` once per (kind, id), as ``WriteRules`` decides. The check
    /// runs inside the write transaction, so a duplicate sent while the first
    /// is in flight (a retry, a double click) waits for it and then answers
    /// as a repeat. Anything but `created` rolls back.
    private func idempotentWrite<T: Sendable>(
        _ request: WriteRules.Request,
        _ write: @escaping @Sendable (Database, UInt64) throws -> WriteOutcome<T>,
        load: @escaping @Sendable (Database) throws -> T?
    ) async throws -> WriteOutcome<T> {
        do {
            let (outcome, _) = try await transaction { db, txid -> WriteOutcome<T> in
                if let earlier = try Row.fetchOne(db.cachedStatement(sql: "SELECT user_id, fingerprint, txid FROM _qactl_requests WHERE kind = ? AND id = ?"), arguments: [request.kind, request.id]) {
                    let record = WriteRules.EarlierRequest(user: earlier[0], fingerprint: earlier[1], txid: UInt64(earlier[2] as Int64))
                    throw Refusal(outcome: WriteRules.repeatOf(request, earlier: record, row: try load(db)))
                }
                let outcome = try write(db, txid)
                guard case .created = outcome else { throw Refusal(outcome: outcome) }
                try db.cachedStatement(sql: "INSERT INTO _qactl_requests(kind, id, user_id, fingerprint, txid) VALUES (?, ?, ?, ?, ?)").execute(arguments: [request.kind, request.id, request.user, request.fingerprint, Int64(txid)])
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
}
