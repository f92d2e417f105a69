/// A logical replication stream from PostgreSQL, as `ReplicationEvent`s.
///
/// The libpq connection lives on its own OS thread for its whole life, so
/// waiting on the network never blocks Swift concurrency's cooperative pool.
///
/// ```swift
/// let connection = try await ReplicationConnection.start(configuration)
/// for try await event in connection.events {
///     switch event {
///     case .transaction(let transaction): await sync.apply(transaction)
///     case .truncate(let tables, _): await sync.invalidate(tables)
///     case .relationChanged(let table): await sync.invalidate([table])
///     case .checkpoint(let lsn): connection.confirm(lsn: lsn)
///     }
/// }
/// ```
///
/// The stream ends normally after `stop()`, and throws `ChangeFeedError`
/// (with libpq's message) when the connection breaks; `ReplicationFeed`
/// reconnects from the last confirmed position.
public final class ReplicationConnection: Sendable {
    /// The events, in commit order. Iterate it once.
    public let events: AsyncThrowingStream<ReplicationEvent, any Error>
    /// The server, as `IDENTIFY_SYSTEM` described it.
    public let system: SystemIdentity
    /// The walsender's process id (for `pg_stat_replication` or `pg_terminate_backend`).
    public let backendPID: Int32
    public let configuration: ReplicationConfiguration
    private let shared: Locked<ReplicationSharedState>
    private let completion: ThreadCompletion

    private init(
        events: AsyncThrowingStream<ReplicationEvent, any Error>, system: SystemIdentity, backendPID: Int32,
        configuration: ReplicationConfiguration, shared: Locked<ReplicationSharedState>, completion: ThreadCompletion
    ) {
        self.events = events
        self.system = system
        self.backendPID = backendPID
        self.configuration = configuration
        self.shared = shared
        self.completion = completion
    }

    deinit {
        // Safety net: a connection nobody holds stops its thread within one poll interval.
        shared.withLock { $0.stopRequested = true }
    }

    /// Connects, creates the slot if it is missing and starts streaming.
    /// Returns once the server streams (changes committed after that are
    /// delivered); throws `ChangeFeedError` if any step fails.
    public static func start(_ configuration: ReplicationConfiguration) async throws -> ReplicationConnection {
        try await start(configuration, relations: [:])
    }

    static func start(
        _ configuration: ReplicationConfiguration, relations: [UInt32: PgOutputMessage.Relation]
    ) async throws -> ReplicationConnection {
        try configuration.validate()
        let shared = Locked(ReplicationSharedState(
            confirmed: configuration.startLSN, relations: relations, lastSequence: configuration.sequenceFloor))
        let completion = ThreadCompletion()
        let (events, continuation) = AsyncThrowingStream.makeStream(of: ReplicationEvent.self, throwing: (any Error).self)
        // A consumer that stops iterating (or is cancelled) stops the thread.
        continuation.onTermination = { _ in shared.withLock { $0.stopRequested = true } }
        let (system, pid) = try await withCheckedThrowingContinuation { (started: CheckedContinuation<(SystemIdentity, Int32), any Error>) in
            OSThread.start(name: "qactl-replication-\(configuration.slotName)") {
                let worker = ReplicationWorker(configuration: configuration, shared: shared, continuation: continuation)
                do {
                    started.resume(returning: try worker.open())
                } catch {
                    worker.close()
                    continuation.finish(throwing: error)
                    completion.finish()
                    started.resume(throwing: error)
                    return
                }
                worker.run()
                completion.finish()
            }
        }
        return ReplicationConnection(
            events: events, system: system, backendPID: pid, configuration: configuration, shared: shared, completion: completion)
    }

    /// Records that everything up to `lsn` (a `checkpoint` event's LSN) is
    /// processed. Only confirmed positions are reported to the server, which
    /// then may recycle the WAL before them; a restart resumes after them.
    /// Lower values than an earlier confirmation are ignored.
    public func confirm(lsn: UInt64) {
        shared.withLock { $0.confirmed = max($0.confirmed, lsn) }
    }

    /// The highest LSN confirmed so far (the configuration's `startLSN` before any).
    public var confirmedLSN: UInt64 { shared.withLock { $0.confirmed } }

    /// The last `RowChange.sequence` this connection handed out.
    public var lastSequence: Int64 { shared.withLock { $0.lastSequence } }

    /// Where the slot starts streaming, when this connection created it.
    public var slotCreatedAt: UInt64? { shared.withLock { $0.slotCreatedAt } }

    /// Table definitions seen so far, for a reconnect to compare against.
    var relations: [UInt32: PgOutputMessage.Relation] { shared.withLock { $0.relations } }

    /// Whether the thread has closed the connection (after `stop()` or a failure).
    public var isClosed: Bool { completion.isFinished }

    /// Reports the confirmed position a last time, closes the connection and
    /// ends `events`. Returns once the connection is closed (within about
    /// 100 ms, the poll interval).
    public func stop() async {
        requestStop()
        await completion.wait()
    }

    /// Asks the thread to stop without waiting for it.
    func requestStop() {
        shared.withLock { $0.stopRequested = true }
    }
}
