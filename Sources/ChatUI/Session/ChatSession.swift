import Foundation
import QACtlSync

/// The chat client's state and its connection to the server, shared by the
/// interactive, plain and `--ask` modes: the user's conversations, the open
/// conversation's messages (each a ``SyncCollection`` with a local replica),
/// optimistic sends, and reachability.
///
/// Every change produces a new ``ChatState`` on each ``states(latestOnly:)`` stream.
actor ChatSession {
    /// `POST /questions/send` takes at most this much content.
    static let maxQuestionBytes = 32_768
    /// Older notices are dropped.
    static let maxNotices = 50

    let server: String
    let identity: ChatIdentity
    let api: APIClient
    let tokens: ShapeTokenProvider
    /// How long a send waits for its txid to sync back before it is rolled back.
    let sendTimeout: Duration
    private let replicaDirectory: String?
    /// Reconnect promptly: the stream's default backoff grows to 32 s, long for a person watching.
    private let backoff = Backoff(initialDelay: .milliseconds(250), maxDelay: .seconds(4))

    var state: ChatState
    private var observers: [Int: AsyncStream<ChatState>.Continuation] = [:]
    private var nextObserver = 0
    private var nextNotice = 0

    // Internal, not private: the extensions in ChatSession+*.swift use them.
    var conversations: SyncCollection?
    private var conversationsReplica: ReplicaHandle?
    var conversationsStatus: CollectionStatus = .idle
    var messages: SyncCollection?
    var messagesReplica: ReplicaHandle?
    var messagesStatus: CollectionStatus = .idle
    var messagesTask: Task<Void, Never>?
    /// Waits for the open conversation's queued creation before its sync starts.
    var creationWait: Task<Void, Never>?
    /// Creations refused while ``createConversation(title:)`` waited for them: it reports those.
    var refusalsToldByCaller: Set<String> = []
    /// The open conversation's sends whose txid is awaited, by question id.
    var inFlight: [String: SendProgress] = [:]
    /// Sends the queued questions; nil when another chat holds the outbox (or there is no replica).
    var outbox: OutboxSender?
    var outboxTask: Task<Void, Never>?
    /// Another chat of this user and server holds the outbox: offline, nothing can be queued here.
    var outboxHeldElsewhere = false
    private var background: [Task<Void, Never>] = []
    /// A failure that stopped the open conversation's sync.
    var failure: String?
    /// What the last probe or API call said; nil before either.
    private var reachable: Bool?
    /// The last probe or API call found the server unreachable.
    var isOffline: Bool { reachable == false }
    /// Fail at once when the server cannot be reached (`--ask`), rather than wait for it.
    var failFast = false

    init(server: String, identity: ChatIdentity, replicaDirectory: String?, sendTimeout: Duration = .seconds(30)) {
        self.server = server
        self.identity = identity
        self.replicaDirectory = replicaDirectory
        self.sendTimeout = sendTimeout
        // 15 s, not 30: a send to an unreachable server stays "sending…" that long before it is rolled back.
        self.api = APIClient(baseURL: server, timeout: .seconds(15), authToken: { try await identity.token() })
        self.tokens = ShapeTokenProvider(api: api)
        self.state = ChatState(server: server, user: identity.user)
    }

    /// The current state, then every new one. With `latestOnly`, a slow
    /// reader skips to the newest state (rendering); otherwise it sees each one (events).
    func states(latestOnly: Bool) -> AsyncStream<ChatState> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: ChatState.self, bufferingPolicy: latestOnly ? .bufferingNewest(1) : .unbounded)
        let id = nextObserver
        nextObserver += 1
        observers[id] = continuation
        continuation.yield(state)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeObserver(id) }
        }
        return stream
    }

    private func removeObserver(_ id: Int) {
        observers[id] = nil
    }

    // MARK: Connecting

    /// Checks the identity with the server and starts syncing the user's
    /// conversations. A refused token throws (exit 3). An unreachable server
    /// throws when `failFast`; otherwise the session starts offline and retries.
    func connect(failFast: Bool, monitor: Bool) async throws {
        self.failFast = failFast
        let request = ShapeTokenRequest(table: "conversations")
        // The HTTP client keeps retrying a refused connection until the request's
        // deadline; a short probe tells "down" in a second and a half instead.
        let probe = ConnectionProbe(server: server)
        let problem = await probe.problem()
        let up = problem == nil
        if let problem, failFast {
            throw ChatError(.failure, "cannot reach \(server) (\(problem)); is `qactl serve` running there?")
        }
        reachable = up
        do {
            // Checks the identity now, so a refused token stops the start with exit 3.
            if up { _ = try await tokens.token(for: request) }
        } catch let error as APIError where error.code == "network_error" && !failFast {
            reachable = false
        } catch let error as APIError where error.status == 401 {
            throw ChatError(.refused, "\(identity.refusalAdvice) (\(error.message))")
        } catch {
            throw ChatError.from(error, doing: "connecting to \(server)", server: server)
        }
        let (collection, replica, heldElsewhere) = makeCollection(request)
        conversations = collection
        conversationsReplica = replica
        // The conversations replica is one per user and server: its lock makes its holder the outbox's only sender.
        if let replica {
            await startOutbox(replica.replica)
        } else if heldElsewhere {
            outboxHeldElsewhere = true
            notice(Self.notOwnerReason(user: identity.user, server: server))
        } else if replicaDirectory != nil {
            notice("without a local replica there is no outbox: questions typed here are sent directly, never queued")
        }
        // Saved rows first, so a restart can pick the conversation without the network.
        await collection.loadReplica()
        let stream = await collection.changes()
        background.append(Task { [weak self] in
            for await snapshot in stream { await self?.applyConversations(snapshot) }
        })
        await showQueuedConversations()
        await collection.start()
        if monitor {
            let report: @Sendable (Bool) async -> Void = { [weak self] reachable in await self?.setReachable(reachable) }
            background.append(Task { await probe.run(report) })
        }
        publish()
    }

    /// A collection for one gatekeeper shape, with its replica when one can be had.
    func makeCollection(_ request: ShapeTokenRequest) -> (SyncCollection, ReplicaHandle?, heldElsewhere: Bool) {
        var configuration = ShapeStreamConfiguration.gatekeeper(
            baseURL: server, table: request.table, params: request.params, tokens: tokens)
        configuration.backoff = backoff
        var handle: ReplicaHandle?
        var heldElsewhere = false
        if let replicaDirectory {
            let acquired = ReplicaHandle.acquire(
                directory: replicaDirectory, identity: ReplicaIdentity(server: server, user: identity.user, request: request))
            handle = acquired.handle
            heldElsewhere = acquired.heldElsewhere
            if let problem = acquired.problem { notice(problem) }
        }
        return (SyncCollection(id: request.description, shape: configuration, replica: handle?.replica), handle, heldElsewhere)
    }

    private func applyConversations(_ snapshot: CollectionSnapshot) {
        conversationsStatus = snapshot.status
        showConversations(snapshot.rows)
    }

    /// The conversations as the collection has them now, without waiting for its
    /// stream to deliver the latest snapshot (queued ones were just laid over it).
    func catchUpConversations() async {
        guard let conversations else { return }
        showConversations(await conversations.rows)
    }

    private func showConversations(_ rows: [String: Row]) {
        state.conversations = rows.values.compactMap(ConversationInfo.init(row:)).sorted {
            ($0.updatedAt ?? .distantPast, $0.id) > ($1.updatedAt ?? .distantPast, $1.id)
        }
        if let open = state.conversation, let fresh = state.conversations.first(where: { $0.id == open.id }) {
            state.conversation = fresh
        }
        publish()
    }

    func setReachable(_ value: Bool) {
        guard reachable != value else { return }
        reachable = value
        // Back online: queued questions go now, not after the rest of their backoff
        // or of an attempt stuck on the connection that was refused.
        if value, let outbox { Task { await outbox.retryNow() } }
        if !value { markQueued() }
        publish()
    }

    /// Stops syncing and ends every state stream.
    /// ``close()``, but the command exits after `limit` whatever is still
    /// closing (a stream that does not end): quitting never hangs. What matters
    /// is durable already (the replica and the outbox are written as they change).
    nonisolated func closeWithin(_ limit: Duration = .seconds(3)) async {
        await Self.waitAtMost(limit) { await self.close() }
    }

    func close() async {
        for task in background { task.cancel() }
        background = []
        await closeConversation()
        outboxTask?.cancel()
        // A delivery in flight may wait out its timeout; quitting does not. It was
        // stored first, so the next run sends it again (the server answers a repeat with its txid).
        if let outbox { await Self.waitAtMost(.seconds(1)) { await outbox.stop() } }
        outbox = nil
        if let conversations { await Self.stop(conversations) }
        conversations = nil
        conversationsReplica = nil
        for continuation in observers.values { continuation.finish() }
        observers = [:]
    }

    // MARK: State

    /// Adds a notice and publishes.
    func notice(_ text: String, error: Bool = false) {
        state.notices.append(Notice(id: nextNotice, date: Date(), text: text, isError: error))
        nextNotice += 1
        if state.notices.count > Self.maxNotices { state.notices.removeFirst(state.notices.count - Self.maxNotices) }
        publish()
    }

    func publish() {
        state.connection = connectionStatus()
        for continuation in observers.values { continuation.yield(state) }
    }

    func updateSend(_ questionID: String, _ phase: SendRecord.Phase) {
        guard let index = state.sends.lastIndex(where: { $0.questionID == questionID }) else { return }
        state.sends[index].phase = phase
    }

    func markUnreachable() {
        reachable = false
        markQueued()
    }

    /// Offline: questions waiting in the outbox show as queued, not as sending.
    func markQueued() {
        guard outbox != nil else { return }
        for index in state.sends.indices where state.sends[index].phase == .pending {
            state.sends[index].phase = .queued(reason: "the server cannot be reached")
        }
    }

    private func connectionStatus() -> ConnectionStatus {
        if let failure { return .failed(failure) }
        if reachable == false { return .offline }
        // Live means the open conversation is up to date, not just the list of them.
        guard messages != nil else { return reachable == true ? .syncing : .connecting }
        switch messagesStatus {
        case .ready: return .live
        case .loading: return reachable == true ? .syncing : .connecting
        case .idle: return .connecting
        case .error: return .failed("syncing stopped")
        }
    }

    static func newID() -> String { UUID().uuidString.lowercased() }

    static func defaultTitle(now: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return "Chat of \(formatter.string(from: now))"
    }
}
