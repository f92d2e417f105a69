import Foundation
import QACtlSync
import ShapeWire

/// Choosing, creating and following conversations.
extension ChatSession {
    /// Opens the chosen conversation. The most recent one is known at once
    /// from the replica, else once the conversations have synced (within
    /// `timeout`, when given); with none, a new one is created.
    func open(_ choice: ConversationChoice, timeout: Duration? = nil) async throws {
        switch choice {
        case .existing(let id):
            // Known to be offline: no need to wait out a token request; the stream reports a refusal later.
            if !isOffline && !creationIsQueued(id) { try await checkAccess(to: id) }
            await openConversation(state.conversations.first { $0.id == id } ?? ConversationInfo(id: id, title: id))
        case .new(let title):
            await openConversation(try await createConversation(title: title))
        case .mostRecent:
            await catchUpConversations()
            let deadline = timeout.map { ContinuousClock.now + $0 }
            while state.conversations.isEmpty && conversationsStatus != .ready {
                if conversationsStatus == .error, let error = await conversations?.lastError {
                    throw ChatError.from(error, doing: "reading your conversations", server: server)
                }
                if let deadline, ContinuousClock.now >= deadline {
                    throw ChatError(.timedOut, "your conversations did not sync from \(server) in time\(cannotQueueHere)")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            if let newest = state.conversations.first {
                await openConversation(newest)
            } else {
                await openConversation(try await createConversation(title: Self.defaultTitle()))
            }
        }
    }

    /// Asks for the conversation's shape token: the server answers 403 unless the user owns it.
    func checkAccess(to id: String) async throws {
        do {
            _ = try await tokens.token(for: ShapeTokenRequest(table: "messages", params: ["conversationId": id]))
        } catch let error as APIError where error.code == "network_error" && !failFast {
            // Offline: the replica may still show it; the stream reports a refusal later.
            return
        } catch let error as APIError where error.status == 403 {
            throw ChatError(.refused, "conversation \(id) does not exist or does not belong to \(identity.user)")
        } catch let error as APIError where error.status == 401 {
            throw ChatError(.refused, "\(identity.refusalAdvice) (\(error.message))")
        } catch {
            throw ChatError.from(error, doing: "opening conversation \(id)", server: server)
        }
    }

    /// `POST /conversations` with a fresh client id. With an outbox the
    /// creation is queued like a question: it shows at once, questions typed
    /// in it go out after it, and it is created when the server can be
    /// reached, so a conversation started offline loses nothing. Online, the
    /// server's answer is awaited a while, so that a refusal still stops here.
    func createConversation(title: String) async throws -> ConversationInfo {
        let id = Self.newID()
        guard let outbox, let conversations else {
            // Known to be offline, with nowhere to queue: say so now, not after the request's timeout.
            if isOffline && outboxHeldElsewhere {
                throw ChatError(.failure, "creating a conversation: cannot reach \(server)\(cannotQueueHere)")
            }
            do {
                let created = try await api.createConversation(id: id, title: title)
                return ConversationInfo(row: created.conversation) ?? ConversationInfo(id: created.conversation["id"] ?? id, title: title)
            } catch let error as APIError where error.code == "network_error" {
                throw ChatError(.failure, ChatError.from(error, doing: "creating a conversation", server: server).message + cannotQueueHere)
            } catch {
                throw ChatError.from(error, doing: "creating a conversation", server: server)
            }
        }
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
        guard let outbox, let queued = try? outbox.replica.outboxEntries() else { return false }
        return queued.contains { $0.key == id && $0.operation == Self.createOperation }
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

    /// Stops following the open conversation and follows `info` instead;
    /// its saved rows show before any network.
    func openConversation(_ info: ConversationInfo) async {
        await closeConversation()
        state.conversation = info
        state.messages = []
        let (collection, replica, _) = makeCollection(ShapeTokenRequest(table: "messages", params: ["conversationId": info.id]))
        messages = collection
        messagesReplica = replica
        messagesStatus = .loading
        await collection.loadReplica()
        await showQueued(in: collection, conversation: info.id)
        let stream = await collection.changes()
        messagesTask = Task { [weak self] in
            for await snapshot in stream { await self?.applyMessages(snapshot, conversation: info.id, from: collection) }
        }
        if let outbox, creationIsQueued(info.id) {
            // The server does not know it yet: its shape is asked for once the creation is delivered.
            messagesStatus = .ready
            creationWait = Task { [weak self] in
                guard (try? await outbox.delivery(of: info.id)) != nil, !Task.isCancelled else { return }
                await self?.startMessages(collection)
            }
        } else {
            await collection.start()
        }
        await outbox?.start()
        publish()
    }

    /// Starts syncing `collection` if it is still the open conversation's.
    private func startMessages(_ collection: SyncCollection) async {
        guard messages === collection else { return }
        creationWait = nil
        messagesStatus = .loading
        await collection.start()
        publish()
    }

    func closeConversation() async {
        messagesTask?.cancel()
        messagesTask = nil
        creationWait?.cancel()
        creationWait = nil
        if let messages { await Self.stop(messages) }
        messages = nil
        if let open = state.conversation?.id { forgetQueued(of: open) }
        // After the stop: nothing writes the replica any more, so the lock can go.
        messagesReplica = nil
        failure = nil
    }

    private func applyMessages(_ snapshot: CollectionSnapshot, conversation: String, from collection: SyncCollection) async {
        guard state.conversation?.id == conversation else { return }
        var stopped: String?
        if snapshot.status == .error {
            let error = await collection.lastError
            stopped = error.map { ChatError.from($0, doing: "syncing this conversation", server: server).message } ?? "syncing stopped"
            // The await let other work in: make sure this is still the open conversation.
            guard state.conversation?.id == conversation else { return }
        }
        // Not started, its creation still queued: nothing to sync yet, and nothing missing.
        messagesStatus = snapshot.status == .idle && creationWait != nil ? .ready : snapshot.status
        failure = stopped
        state.messages = ChatMessage.ordered(snapshot.rows, optimistic: snapshot.optimisticKeys)
        settleSends(in: state.messages)
        publish()
    }

    /// Waits until the open conversation's first up-to-date (or `deadline`).
    func waitUntilSynced(deadline: ContinuousClock.Instant) async throws {
        while messagesStatus != .ready {
            if let failure { throw ChatError(.failure, failure) }
            if ContinuousClock.now >= deadline { throw ChatError(.timedOut, "the conversation did not sync from \(server) in time") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Stops `collection`, waiting a second at most: a stream blocked on a shape-token
    /// request to an unreachable server notices its cancellation only when that
    /// request times out, and nobody should wait for that to switch or quit.
    static func stop(_ collection: SyncCollection) async {
        await waitAtMost(.seconds(1)) { await collection.stop() }
    }

    /// Runs `work`, returning when it ends or after `limit`, whichever is first (it goes on in the background).
    static func waitAtMost(_ limit: Duration, _ work: @escaping @Sendable () async -> Void) async {
        let stopping = Task { await work() }
        let (done, finish) = AsyncStream.makeStream(of: Void.self)
        let waiter = Task {
            await stopping.value
            finish.finish()
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            finish.finish()
        }
        for await _ in done {}
        waiter.cancel()
        timer.cancel()
    }
}
