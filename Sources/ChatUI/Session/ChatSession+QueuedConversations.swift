import Foundation
import QACtlSync
import ShapeWire

/// Conversations created through the outbox: queued like questions, shown at
/// once, created when the server can be reached (questions typed in them go
/// out after them), refused ones reported once and their questions with them.
extension ChatSession {
    /// Queues the creation of conversation `id` and shows it in the list.
    /// Online, the server's answer is awaited a while, so that a refusal still stops the caller.
    func queueCreation(id: String, title: String, through outbox: OutboxSender, into conversations: SyncCollection) async throws -> ConversationInfo {
        let row = Self.optimisticConversation(id: id, title: title, user: identity.user)
        do {
            try outbox.replica.enqueue(
                operation: Self.createOperation, key: id, payload: ["title": title], collection: conversations.id, rows: [row])
        } catch {
            throw ChatError(.failure, "creating a conversation: the outbox cannot be written: \(error)")
        }
        try await followCreation(id: id, title: title, row: row, through: outbox, into: conversations)
        // The new conversation has no queued questions to show first: sending may start now.
        await outbox.start()
        await outbox.wake()
        if !isOffline {
            // A refusal now is told by the caller, not by followCreation too (whichever hears first).
            refusalsToldByCaller.insert(id)
            do {
                _ = try await Self.firstOf(.seconds(5)) { try await outbox.delivery(of: id) }
            } catch let refused as OutboxRefusedError {
                throw ChatError.from(refused.error, doing: "creating a conversation", server: server)
            } catch {
                // Not answered in time: it stays queued, and the conversation opens as it is.
            }
            refusalsToldByCaller.remove(id)
        }
        return ConversationInfo(row: row) ?? ConversationInfo(id: id, title: title)
    }

    /// Why an offline chat without the outbox could not wait the server out ("" when it has the outbox).
    var cannotQueueHere: String {
        guard outboxHeldElsewhere else { return "" }
        return "; another qactl chat of \(identity.user) holds the outbox, so nothing can be queued here: use that chat, or try again once the server is back"
    }

    /// The conversation row as the server will write it.
    static func optimisticConversation(id: String, title: String, user: String, now: Date = Date()) -> Row {
        [
            "id": id, "user_id": user, "title": title,
            "created_at": PostgresText.timestamp(now), "updated_at": PostgresText.timestamp(now),
        ]
    }

    /// Shows a queued conversation in the list until its creation syncs back;
    /// a refused one is taken out again, with a notice.
    func followCreation(id: String, title: String, row: Row, through sender: OutboxSender, into conversations: SyncCollection) async throws {
        let transaction = conversations.queuedTransaction(timeout: sendTimeout) { try await sender.delivery(of: id) }
        try await transaction.mutate { draft in try draft.insert(row) }
        publish()
        Task {
            do {
                try await transaction.commit()
            } catch let refused as OutboxRefusedError {
                self.creationRefused(id: id, title: title, refused.error)
            } catch {
                // Closing, or the row did not sync back in time: the outbox or the next sync settles it.
            }
        }
    }

    private func creationRefused(id: String, title: String, _ error: APIError) {
        // A notice, not a sync failure: nothing is wrong with the connection.
        guard refusalsToldByCaller.remove(id) == nil else { return publish() }
        notice("not created: the server refused the conversation “\(Self.excerpt(title))” (\(error.message))", error: true)
    }

    /// Shows the conversations whose creation is still queued (from an earlier run), before any network.
    func showQueuedConversations() async {
        guard let outbox, let conversations else { return }
        do {
            for entry in try outbox.replica.outboxEntries() where entry.operation == Self.createOperation {
                guard let row = entry.rows.first else { continue }
                try await followCreation(id: entry.key, title: entry.payload["title"] ?? entry.key, row: row, through: outbox, into: conversations)
            }
        } catch {
            notice("cannot show the queued conversations: \(error)", error: true)
        }
    }

    /// What waits in the outbox, any conversation's: new conversations and questions (none without an outbox).
    func queuedWrites() -> (conversations: Int, questions: Int) {
        guard let outbox, let entries = try? outbox.replica.outboxEntries() else { return (0, 0) }
        let conversations = entries.count { $0.operation == Self.createOperation }
        return (conversations, entries.count - conversations)
    }

    /// Whether `id`'s creation waits in the outbox: its shape cannot be had before the server has it.
    func creationIsQueued(_ id: String) -> Bool {
        guard let outbox, let entry = try? outbox.replica.queuedEntry(key: id) else { return false }
        return entry.operation == Self.createOperation
    }

    /// `work`'s result, or nil once `limit` has passed (it is cancelled then).
    static func firstOf<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T? {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
