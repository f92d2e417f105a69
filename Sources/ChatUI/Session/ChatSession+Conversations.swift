import Foundation
import QACtlSync

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
        return try await queueCreation(id: id, title: title, through: outbox, into: conversations)
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
