import AppModel
import Foundation
import GRDB
import ShapeWire

extension SQLiteDatabase {
    /// What answer `answerID` needs, or nil when it is not an unfinished answer.
    public func answerJob(_ answerID: String) async throws -> AnswerJob? {
        try await pool.read { db in
            guard let answer = try Row.fetchOne(
                db, sql: "SELECT conversation_id, created_at FROM messages WHERE id = ? AND role = 'assistant' AND status IN ('pending', 'streaming')",
                arguments: [answerID])
            else { return nil }
            let conversation: String = answer[0]
            let createdAt: String = answer[1]
            let earlier = try Row.fetchAll(
                db, sql: "SELECT role, status, content FROM messages WHERE conversation_id = ? AND created_at < ? ORDER BY created_at, id",
                arguments: [conversation, createdAt])
            guard let last = earlier.last, (last[0] as String) == "user" else { return nil }
            // Pair each user message with the completed answer right after it.
            var history: [(question: String, answer: String)] = []
            var pending: String?
            for row in earlier.dropLast() {
                let role: String = row[0]
                if role == "user" {
                    pending = row[2]
                } else if let question = pending, (row[1] as String) == "completed" {
                    history.append((question, row[2]))
                    pending = nil
                } else {
                    pending = nil
                }
            }
            return AnswerJob(answerID: answerID, conversationID: conversation, question: last[2], history: history)
        }
    }

    /// Writes an answer's content and status in a transaction of its own; nil
    /// when the answer is no longer pending or streaming (nothing written).
    public func updateAnswer(_ answerID: String, content: String, status: String, now: Date) async throws -> UInt64? {
        let (changed, txid) = try await transaction { db, _ in
            try db.execute(
                sql: "UPDATE messages SET content = ?, status = ?, updated_at = ? WHERE id = ? AND role = 'assistant' AND status IN ('pending', 'streaming')",
                arguments: [content, status, PostgresText.timestamp(now), answerID])
            return db.changesCount
        }
        return changed > 0 ? txid : nil
    }

    /// Answers left `pending` or `streaming` (by a crash or a shutdown), oldest first.
    public func unfinishedAnswers() async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM messages WHERE role = 'assistant' AND status IN ('pending', 'streaming') ORDER BY created_at")
        }
    }
}
