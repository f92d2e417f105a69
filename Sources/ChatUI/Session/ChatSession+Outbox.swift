import Foundation
import QACtlSync

/// Questions go through the outbox in the user's conversations replica: stored
/// before they are sent, so a question typed while the server is down stays
/// (shown as queued), survives quitting, and goes out in order once the server
/// is back. Only the chat holding that replica's lock has an outbox; another
/// chat of the same user and server sends directly and says so.
extension ChatSession {
    /// The operation name stored with each queued question.
    static let sendOperation = "questions/send"
    /// The operation name stored with each queued conversation creation.
    static let createOperation = "conversations/create"
    /// The refusal of a question whose conversation's creation was refused.
    static let conversationRefused = "conversation_refused"

    /// Prepares sending `replica`'s outbox and following what becomes of each write.
    func startOutbox(_ replica: LocalReplica) async {
        let api = self.api
        let sender = OutboxSender(replica: replica) { entry in
            if entry.operation == Self.createOperation {
                return try await api.createConversation(id: entry.key, title: entry.payload["title"] ?? "").txid
            }
            // A question whose conversation the server refused to create can never go in: refused
            // here with that reason (the server would only say the conversation is not the user's).
            let conversation = entry.payload["conversationId"] ?? ""
            if let refused = try replica.deadLetter(key: conversation), refused.entry.operation == Self.createOperation {
                throw APIError(
                    code: Self.conversationRefused,
                    message: "its conversation “\(Self.excerpt(refused.entry.payload["title"] ?? ""))” was refused (\(refused.error.message))", status: 409)
            }
            return try await api.sendQuestion(
                conversationId: entry.payload["conversationId"] ?? "", questionId: entry.key,
                answerId: entry.payload["answerId"] ?? "", content: entry.payload["content"] ?? "")
        }
        outbox = sender
        let events = await sender.events()
        outboxTask = Task { [weak self] in
            for await event in events { await self?.outboxEvent(event) }
        }
        // Started when the first conversation opens (openConversation): its queued
        // questions must be on screen before any of them can be delivered.
    }

    /// Queues a question and shows it until the server has it and it synced back.
    func sendQueued(_ record: SendRecord, rows: [Row], through sender: OutboxSender, into messages: SyncCollection) async throws {
        try sender.replica.enqueue(
            operation: Self.sendOperation, key: record.questionID,
            payload: ["conversationId": record.conversationID, "answerId": record.answerID, "content": record.content],
            collection: messages.id, rows: rows)
        var shown = record
        if isOffline { shown.phase = .queued(reason: "the server cannot be reached") }
        state.sends.append(shown)
        try await follow(shown, rows: rows, through: sender, into: messages)
        await sender.wake()
    }

    /// Shows the open conversation's queued questions (from an earlier run) at once, before any network.
    func showQueued(in messages: SyncCollection, conversation: String) async {
        guard let outbox else { return }
        do {
            for entry in try outbox.replica.outboxEntries() where entry.collection == messages.id {
                guard !state.sends.contains(where: { $0.questionID == entry.key }) else { continue }
                let reason = entry.lastError.map(Self.queueReason) ?? "not sent yet"
                let record = SendRecord(
                    questionID: entry.key, answerID: entry.payload["answerId"] ?? "", conversationID: conversation,
                    content: entry.payload["content"] ?? "", phase: .queued(reason: reason))
                state.sends.append(record)
                try await follow(record, rows: entry.rows, through: outbox, into: messages)
            }
        } catch {
            notice("cannot show the queued questions: \(error)", error: true)
        }
    }

    /// `/outbox`: what waits to be sent and what the server refused.
    func outboxReport(clear: Bool) -> String {
        guard let outbox else {
            return "no outbox here: \(Self.notOwnerReason(user: identity.user, server: server))"
        }
        do {
            if clear {
                let cleared = try outbox.replica.clearDeadLetters()
                return "forgot \(cleared) refused write\(cleared == 1 ? "" : "s")"
            }
            let queued = try outbox.replica.outboxEntries()
            let refused = try outbox.replica.deadLetters()
            var lines = ["outbox: \(queued.count) queued, \(refused.count) refused"]
            for entry in queued {
                let tried = entry.attempts == 0 ? "not tried yet" : "tried \(entry.attempts)×, last: \(Self.queueReason(entry.lastError ?? ""))"
                lines.append("  queued   \(entry.key.prefix(8))  \(Self.describe(entry))  (\(tried))")
            }
            for letter in refused {
                lines.append(
                    "  refused  \(letter.entry.key.prefix(8))  \(Self.describe(letter.entry))  (\(letter.error.code): \(letter.error.message))")
            }
            if !refused.isEmpty { lines.append("/outbox clear forgets the refused ones") }
            return lines.joined(separator: "\n")
        } catch {
            return "cannot read the outbox: \(error)"
        }
    }

    static func notOwnerReason(user: String, server: String) -> String {
        "another qactl chat of \(user) on \(server) holds the outbox; questions typed here are sent directly, never queued (so never sent twice)"
    }

    /// Shows `record`'s rows in `messages` until its delivery syncs back, then confirms or rolls it back.
    private func follow(_ record: SendRecord, rows: [Row], through sender: OutboxSender, into messages: SyncCollection) async throws {
        let key = record.questionID
        let progress = SendProgress()
        let transaction = messages.queuedTransaction(timeout: sendTimeout) {
            let delivered = try await sender.delivery(of: key)
            progress.record(delivered)
            return delivered
        }
        try await transaction.mutate { draft in
            for row in rows { try draft.insert(row) }
        }
        publish()
        commitInBackground(transaction, of: record, progress: progress, in: messages, queued: true)
    }

    /// Closing a conversation forgets its unsettled questions on screen; the outbox keeps them.
    func forgetQueued(of conversation: String) {
        guard outbox != nil else { return }
        state.sends.removeAll { $0.conversationID == conversation && $0.isUnsettled }
    }

    private func outboxEvent(_ event: OutboxEvent) {
        switch event {
        case .delivered(let key, _):
            if case .queued? = state.sends.last(where: { $0.questionID == key })?.phase {
                updateSend(key, .pending)
                publish()
            }
        case .retrying(let key, _, _, let error):
            guard let send = state.sends.last(where: { $0.questionID == key }) else { return }
            if case .queued = send.phase { return }
            updateSend(key, .queued(reason: Self.queueReason(error)))
            publish()
        case .deadLettered(let letter):
            // A question of this session gets its notice from its rollback, a conversation from its own (creationRefused).
            guard !state.sends.contains(where: { $0.questionID == letter.entry.key }),
                letter.entry.operation != Self.createOperation
            else { return }
            notice(
                "not sent: the server refused \(Self.describe(letter.entry)) (\(letter.error.message)); /outbox lists it",
                error: true)
        case .storageFailed(let error, _):
            notice("the outbox cannot be read or written: \(error)", error: true)
        }
    }

    /// What a queued write is, in a few words: a question's start, or the conversation it creates.
    static func describe(_ entry: OutboxEntry) -> String {
        if entry.operation == createOperation { return "new conversation “\(excerpt(entry.payload["title"] ?? ""))”" }
        return "“\(excerpt(entry.payload["content"] ?? ""))”"
    }

    /// A short reason for the queue from an attempt's error text.
    static func queueReason(_ error: String) -> String {
        if error.contains("network_error") { return "the server cannot be reached" }
        if error.contains("unavailable") || error.contains("HTTP 503") { return "the server is unavailable" }
        if error.contains("rate_limited") { return "the server asks to slow down" }
        return error.isEmpty ? "not sent yet" : excerpt(error, length: 80)
    }
}
