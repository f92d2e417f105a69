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

    /// Writes the answer unless another live instance holds its lease; the
    /// write renews this instance's lease, and the final one releases it.
    public func updateAnswer(_ answerID: String, content: String, status: String, now: Date) async throws -> UInt64? {
        try await guarded("writing an answer") { [self] in
            let stamp = PostgresText.timestamp(now)
            let logger = self.logger
            let (owner, lease) = (instance, milliseconds(answerLease))
            let finished = status == "completed" || status == "failed"
            let (changed, txid) = try await transaction { connection, _ in
                let changed = try await connection.query(
                    """
                    UPDATE messages SET content = \(content), status = \(status), updated_at = \(stamp)::timestamptz
                    WHERE id = \(answerID) AND role = 'assistant' AND status IN ('pending', 'streaming')
                      AND NOT EXISTS (SELECT 1 FROM qactl_answer_leases l
                                      WHERE l.answer_id = \(answerID) AND l.owner <> \(owner) AND l.expires_at >= now())
                    RETURNING id
                    """, logger: logger).collect().count
                if changed > 0 && finished {
                    try await connection.query("DELETE FROM qactl_answer_leases WHERE answer_id = \(answerID)", logger: logger)
                } else if changed > 0 {
                    try await connection.query(
                        """
                        INSERT INTO qactl_answer_leases(answer_id, owner, expires_at) VALUES (\(answerID), \(owner), now() + \(lease) * interval '1 millisecond')
                        ON CONFLICT (answer_id) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
                        """, logger: logger)
                }
                return changed
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

    /// Takes answer `answerID` for this instance: true when no other instance
    /// holds a lease on it that has not expired (then this one does, for
    /// `answerLease`). Atomic, so of several instances exactly one gets it.
    public func claimAnswer(_ answerID: String) async throws -> Bool {
        try await guarded("claiming an answer") { [self] in
            let (owner, lease) = (instance, milliseconds(answerLease))
            return try await client.query(
                """
                INSERT INTO qactl_answer_leases(answer_id, owner, expires_at) VALUES (\(answerID), \(owner), now() + \(lease) * interval '1 millisecond')
                ON CONFLICT (answer_id) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
                WHERE qactl_answer_leases.owner = EXCLUDED.owner OR qactl_answer_leases.expires_at < now()
                RETURNING answer_id
                """, logger: logger).collect().count > 0
        }
    }

    /// Unfinished answers no instance holds a live lease on: a new question
    /// not yet taken, or one whose instance died mid-answer.
    public func unclaimedAnswers() async throws -> [String] {
        try await guarded("listing unclaimed answers") { [self] in
            try await client.query(
                """
                SELECT m.id FROM messages m
                WHERE m.role = 'assistant' AND m.status IN ('pending', 'streaming')
                  AND NOT EXISTS (SELECT 1 FROM qactl_answer_leases l WHERE l.answer_id = m.id AND l.expires_at >= now())
                ORDER BY m.created_at
                """, logger: logger
            ).decode(String.self).gather()
        }
    }

    /// Gives up this instance's lease (at shutdown: another may take over at once).
    public func releaseAnswer(_ answerID: String) async throws {
        try await guarded("releasing an answer") { [self] in
            try await client.query("DELETE FROM qactl_answer_leases WHERE answer_id = \(answerID) AND owner = \(instance)", logger: logger)
        }
    }

    private func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
