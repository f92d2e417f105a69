import Foundation
import PostgresNIO
import ShapeWire
import AppModel
import SyncModel

extension PostgresDatabase {
    /// `timestamptz` as the text Electric sends: `2026-11-29 10:00:00.123456+00`.
    static func utcText(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'"
    }

    public func conversationOwner(_ id: String) async throws -> String? {
        try await guarded("looking up a conversation") { [self] in
            try await client.query("SELECT user_id FROM conversations WHERE id = \(id)", logger: logger).decode(String.self).first { _ in true }
        }
    }

    public func createConversation(id: String, user: String, title: String, now: Date) async throws -> WriteOutcome<ConversationRow> {
        try await guarded("creating a conversation") { [self] in
            let request = WriteRules.Request.conversation(id: id, user: user, title: title)
            let stamp = PostgresText.timestamp(now)
            let logger = self.logger
            let loadRow: @Sendable (PostgresConnection) async throws -> ConversationRow? = { connection in
                let query = PostgresQuery(unsafeSQL: "SELECT id, user_id, title, \(Self.utcText("created_at")), \(Self.utcText("updated_at")) FROM conversations WHERE id = $1", binds: Self.binds([id]))
                return try await connection.query(query, logger: logger).decode((String, String, String, String, String).self).first { _ in true }.map {
                    ConversationRow(id: $0.0, userID: $0.1, title: $0.2, createdAt: $0.3, updatedAt: $0.4)
                }
            }
            return try await idempotentWrite(request) { connection, txid in
                let owner = try await connection.query("SELECT user_id FROM conversations WHERE id = \(id)", logger: logger).decode(String.self).first { _ in true }
                switch WriteRules.createConversation(request, existingOwner: owner) {
                case .taken(let reason):
                    return .conflict(reason)
                case .alreadyTheirs:
                    guard let row = try await loadRow(connection) else { return .conflict("conversation id \(id) is taken") }
                    return .repeated(row, txid: 0)
                case .insert:
                    try await connection.query(
                        "INSERT INTO conversations(id, user_id, title, created_at, updated_at) VALUES (\(id), \(user), \(title), \(stamp)::timestamptz, \(stamp)::timestamptz)",
                        logger: logger)
                    return .created(ConversationRow(id: id, userID: user, title: title, createdAt: stamp, updatedAt: stamp), txid: txid)
                }
            } load: { connection in try await loadRow(connection) }
        }
    }

    /// One statement, one round trip (`qactl_send_question`, migration 2).
    public func sendQuestion(conversation: String, questionID: String, answerID: String, user: String, content: String, now: Date) async throws -> WriteOutcome<SentQuestion> {
        try await guarded("sending a question") { [self] in
            let request = WriteRules.Request.question(id: questionID, user: user, conversation: conversation, answerID: answerID, content: content)
            let (asked, placed) = WriteRules.questionTimes(now: now)
            let fingerprint = request.fingerprint
            let (client, logger) = (self.client, self.logger)
            let statement = SendQuestionStatement(
                conversation: conversation, question: questionID, answer: answerID, user: user, content: content,
                asked: asked, placed: placed, fingerprint: fingerprint)
            let facts = try await Self.retryingConflicts {
                do {
                    return try await client.execute(statement, logger: logger).first { _ in true }
                } catch let error as PSQLError where error.code == .server && !Self.isConflict(error) {
                    // postgres-nio keeps a failed preparation for the connection's life, so one
                    // failure (the function briefly missing during a restore) would refuse every
                    // later send on that connection: the statement unprepared answers for itself.
                    return try await client.query(statement.unprepared, logger: logger).decode(SendQuestionStatement.Row.self).first { _ in true }
                }
            }
            guard let facts else { throw StoreError(.failed, "qactl_send_question returned no row") }
            switch facts.0 {
            case "created":
                // Read after the function's inserts, before the commit: at most the commit's own LSN,
                // and past every transaction committed earlier (the change feed's positions are commit LSNs).
                return .created(SentQuestion(answerID: answerID, position: UInt64(facts.6)), txid: UInt64(facts.1))
            case "repeat":
                let earlier = WriteRules.EarlierRequest(user: facts.2 ?? "", fingerprint: facts.3 ?? "", txid: UInt64(facts.1))
                return WriteRules.repeatOf(request, earlier: earlier, row: SentQuestion(answerID: answerID, position: nil))
            default:
                let verdict = WriteRules.sendQuestion(request, answerID: answerID, conversationOwner: facts.4, taken: facts.5 ?? [])
                return verdict.refusal(as: SentQuestion.self) ?? .conflict("message \(questionID) could not be written")
            }
        }
    }

    /// `qactl_send_question` as a prepared statement: parsed and planned once
    /// per connection, then only bound and run (what `pgbench -M prepared` does).
    struct SendQuestionStatement: PostgresPreparedStatement {
        static let name = "qactl_send_question"
        static let sql = """
            SELECT o_outcome, o_txid, o_earlier_user, o_earlier_fingerprint, o_owner, o_taken,
                (pg_current_wal_insert_lsn() - '0/0')::text
            FROM qactl_send_question($1, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz, $8)
            """
        typealias Row = (String, Int64, String?, String?, String?, [String]?, String)

        let conversation, question, answer, user, content, asked, placed, fingerprint: String

        func makeBindings() -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 8)
            for value in [conversation, question, answer, user, content, asked, placed, fingerprint] { bindings.append(value) }
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }

        /// The same statement, parsed for this call only.
        var unprepared: PostgresQuery { PostgresQuery(unsafeSQL: Self.sql, binds: makeBindings()) }
    }

    /// Runs `write` once per (kind, id), as ``WriteRules`` decides; anything
    /// but `created` rolls back. An advisory lock on (kind, id) makes a
    /// duplicate sent while the first is in flight wait for it and answer as a repeat.
    private func idempotentWrite<T: Sendable>(
        _ request: WriteRules.Request,
        _ write: @escaping @Sendable (PostgresConnection, UInt64) async throws -> WriteOutcome<T>,
        load: @escaping @Sendable (PostgresConnection) async throws -> T?
    ) async throws -> WriteOutcome<T> {
        let logger = self.logger
        let (kind, id, lockKey) = (request.kind, request.id, request.kind + ":" + request.id)
        do {
            let (outcome, _) = try await transaction { connection, txid -> WriteOutcome<T> in
                try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lockKey)))", logger: logger)
                let earlier = try await connection.query(
                    "SELECT user_id, fingerprint, txid FROM qactl_requests WHERE kind = \(kind) AND id = \(id)", logger: logger
                ).decode((String, String, Int64).self).first { _ in true }
                if let earlier {
                    let record = WriteRules.EarlierRequest(user: earlier.0, fingerprint: earlier.1, txid: UInt64(earlier.2))
                    throw Refusal(outcome: WriteRules.repeatOf(request, earlier: record, row: try await load(connection)))
                }
                let outcome = try await write(connection, txid)
                guard case .created = outcome else { throw Refusal(outcome: outcome) }
                let (user, fingerprint) = (request.user, request.fingerprint)
                try await connection.query(
                    "INSERT INTO qactl_requests(kind, id, user_id, fingerprint, txid) VALUES (\(kind), \(id), \(user), \(fingerprint), \(Int64(txid)))",
                    logger: logger)
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

    static func binds(_ values: [String?]) -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values {
            if let value { bindings.append(value) } else { bindings.appendNull() }
        }
        return bindings
    }
}
