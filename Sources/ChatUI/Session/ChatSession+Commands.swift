import Foundation
import ShapeWire
import QACtlSync

extension ChatSession {
    /// Sends a question optimistically: the question and its answer
    /// placeholder show at once; the send is confirmed when its txid syncs
    /// back, or rolled back (rows gone, a notice shown) when it fails.
    /// Returns the send, or nil when nothing was sent (a notice says why).
    @discardableResult
    func send(_ text: String, timeout: Duration? = nil) async -> SendRecord? {
        let content = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !content.isEmpty else { return nil }
        guard content.utf8.count <= Self.maxQuestionBytes else {
            notice("not sent: the question is \(content.utf8.count) bytes; at most \(Self.maxQuestionBytes)", error: true)
            return nil
        }
        guard let conversation = state.conversation, let messages else {
            notice("not sent: no conversation is open yet", error: true)
            return nil
        }
        let record = SendRecord(
            questionID: Self.newID(), answerID: Self.newID(), conversationID: conversation.id, content: content, phase: .pending)
        if let outbox {
            do {
                try await sendQueued(record, rows: Self.optimisticRows(record, user: identity.user), through: outbox, into: messages)
                return record
            } catch {
                state.sends.removeAll { $0.questionID == record.questionID }
                notice("not sent: \(error)", error: true)
                return nil
            }
        }
        let api = self.api
        let progress = SendProgress()
        let transaction = messages.transaction(timeout: timeout ?? sendTimeout) { _ in
            let written = try await api.sendQuestion(
                conversationId: record.conversationID, questionId: record.questionID, answerId: record.answerID, content: content)
            progress.record(written)
            return written
        }
        let rows = Self.optimisticRows(record, user: identity.user)
        state.sends.append(record)
        do {
            try await transaction.mutate { draft in
                for row in rows { try draft.insert(row) }
            }
        } catch {
            updateSend(record.questionID, .failed(ChatError(.failure, "\(error)")))
            notice("not sent: \(error)", error: true)
            return nil
        }
        publish()
        commitInBackground(transaction, of: record, progress: progress, in: messages, queued: false)
        return record
    }

    /// Commits `transaction` in its own task. The send is confirmed where the
    /// synced rows are applied (``settleSends(in:)``), so its confirmation shows
    /// before anything that synced after it, such as its answer; here only
    /// when that has not happened (the conversation was closed meanwhile).
    /// A queued send whose conversation was closed is not rolled back: the
    /// outbox keeps it and shows it again when the conversation reopens.
    func commitInBackground(
        _ transaction: Transaction, of record: SendRecord, progress: SendProgress, in messages: SyncCollection, queued: Bool
    ) {
        inFlight[record.questionID] = progress
        Task {
            do {
                try await transaction.commit()
                self.confirm(record.questionID, progress)
            } catch {
                if self.inFlight[record.questionID] === progress { self.inFlight[record.questionID] = nil }
                if queued && self.messages !== messages { return }
                self.rollBack(record, because: error)
            }
        }
    }

    /// The question and its answer placeholder as the server will write them; the answer strictly after the question.
    static func optimisticRows(_ record: SendRecord, user: String, now: Date = Date()) -> [Row] {
        let later = now.addingTimeInterval(0.001)
        return [
            [
                "id": record.questionID, "conversation_id": record.conversationID, "user_id": user, "role": "user",
                "status": "completed", "content": record.content, "created_at": PostgresText.timestamp(now),
                "updated_at": PostgresText.timestamp(now),
            ],
            [
                "id": record.answerID, "conversation_id": record.conversationID, "user_id": user, "role": "assistant",
                "status": "pending", "content": "", "created_at": PostgresText.timestamp(later), "updated_at": PostgresText.timestamp(later),
            ],
        ]
    }

    /// Marks a send confirmed, once: its txid synced back.
    func confirm(_ questionID: String, _ progress: SendProgress) {
        guard inFlight[questionID] === progress, settle(questionID) else { return }
        publish()
    }

    /// Confirms the sends whose question now shows as synced rather than optimistic:
    /// their transaction completed, and the rows it held back are in `messages`.
    func settleSends(in messages: [ChatMessage]) {
        guard !inFlight.isEmpty else { return }
        for message in messages where !message.isOptimistic && inFlight[message.id] != nil {
            settle(message.id)
        }
    }

    /// Records the confirmation without publishing; false when there is none to record.
    @discardableResult
    private func settle(_ questionID: String) -> Bool {
        guard let progress = inFlight[questionID], let txid = progress.txid else { return false }
        inFlight[questionID] = nil
        updateSend(questionID, .confirmed(txid: txid, roundTrip: ContinuousClock.now - progress.started))
        return true
    }

    func rollBack(_ record: SendRecord, because error: any Error) {
        let failure = ChatError.from(error, doing: "not sent", server: server)
        if let error = error as? APIError, error.code == "network_error" { markUnreachable() }
        updateSend(record.questionID, .failed(failure))
        if state.conversation?.id == record.conversationID {
            notice("\(failure.message) — “\(Self.excerpt(record.content))”", error: true)
        } else {
            publish()
        }
    }

    /// Carries out one line of input; false when it asks to quit.
    func handle(_ input: ChatInput) async -> Bool {
        switch input {
        case .message(let text):
            await send(text)
        case .new(let title):
            do {
                let info = try await createConversation(title: title ?? Self.defaultTitle())
                await openConversation(info)
                notice("new conversation “\(info.title)” (\(info.id))")
            } catch {
                notice(ChatError.from(error, doing: "/new", server: server).message, error: true)
            }
        case .list:
            notice(conversationList())
        case .switchTo(let reference):
            await switchConversation(reference)
        case .outbox(let clear):
            notice(outboxReport(clear: clear))
        case .help:
            notice(ChatInput.helpText)
        case .invalid(let message):
            notice(message, error: true)
        case .quit:
            return false
        }
        return true
    }

    /// `/switch`: a full id, or an unambiguous prefix of a known conversation's id.
    private func switchConversation(_ reference: String) async {
        let known = state.conversations
        var target = known.first { $0.id == reference }
        if target == nil {
            let matches = known.filter { $0.id.hasPrefix(reference) }
            if matches.count > 1 {
                return notice("/switch \(reference): \(matches.count) conversations start like that; type more of the id", error: true)
            }
            target = matches.first
        }
        if target?.id == state.conversation?.id, target != nil {
            return notice("already in “\(target?.title ?? reference)”")
        }
        do {
            let info = target ?? ConversationInfo(id: reference, title: reference)
            if target == nil { try await checkAccess(to: reference) }
            await openConversation(info)
            notice("switched to “\(info.title)” (\(info.id))")
        } catch {
            notice(ChatError.from(error, doing: "/switch \(reference)", server: server).message, error: true)
        }
    }

    /// `/list`: the user's conversations, newest first, the open one marked.
    func conversationList() -> String {
        var known = state.conversations
        // One just created may not have synced into the list yet; it is open, so show it.
        if let open = state.conversation, !known.contains(where: { $0.id == open.id }) {
            known.insert(open, at: 0)
        }
        guard !known.isEmpty else { return "no conversations yet; /new TITLE starts one" }
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        var lines = ["your conversations, newest first (/switch ID or the first characters of one):"]
        for info in known {
            let when = info.updatedAt.map { formatter.string(from: $0) } ?? "?"
            let mark = info.id == state.conversation?.id ? "  ← open" : ""
            lines.append("  \(info.id)  \(info.title)  (\(when))\(mark)")
        }
        return lines.joined(separator: "\n")
    }

    static func excerpt(_ text: String, length: Int = 40) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return line.count > length ? String(line.prefix(length - 1)) + "…" : line
    }
}
