import AppModel
import Foundation
import PostgresNIO
import ShapeWire

extension PostgresDatabase {
    public func answerJob(_ answerID: String) async throws -> AnswerJob? {
        try await guarded("reading an answer job") { [self] in
            let logger = self.logger
            guard let answer = try await client.query(
                "SELECT conversation_id, created_at::text FROM messages WHERE id = \(answerID) AND role = 'assistant' AND status IN ('pending', 'streaming')",
                logger: logger).decode((String, String).self).first(where: { _ in true })
            else { return nil }
            let earlier = try await client.query(
                "SELECT role, status, content FROM messages WHERE conversation_id = \(answer.0) AND created_at < \(answer.1)::timestamptz ORDER BY created_at, id",
                logger: logger).decode((String, String, String).self).gather()
            guard let last = earlier.last, last.0 == "user" else { return nil }
            var history: [(question: String, answer: String)] = []
            var pending: String?
            for (role, status, content) in earlier.dropLast() {
                if role == "user" {
                    pending = content
                } else if let question = pending, status == "completed" {
                    history.append((question, content))
                    pending = nil
                } else {
                    pending = nil
                }
            }
            return AnswerJob(answerID: answerID, conversationID: answer.0, question: last.2, history: history)
        }
    }

    public func updateAnswer(_ answerID: String, content: String, status: String, now: Date) async throws -> UInt64? {
        try await guarded("writing an answer") { [self] in
            let stamp = PostgresText.timestamp(now)
            let logger = self.logger
            let (changed, txid) = try await transaction { connection, _ in
                try await connection.query(
                    """
                    UPDATE messages SET content = \(content), status = \(status), updated_at = \(stamp)::timestamptz
                    WHERE id = \(answerID) AND role = 'assistant' AND status IN ('pending', 'streaming') RETURNING id
                    """, logger: logger).collect().count
            }
            return changed > 0 ? txid : nil
        }
    }

    public func unfinishedAnswers() async throws -> [String] {
        try await guarded("listing unfinished answers") { [self] in
            try await client.query(
                "SELECT id FROM messages WHERE role = 'assistant' AND status IN ('pending', 'streaming') ORDER BY created_at", logger: logger
            ).decode(String.self).gather()
        }
    }
}
