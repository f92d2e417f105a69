/// A replication stream that survives broken connections: when the server
/// goes away or the walsender is terminated, it reconnects from the last
/// position the consumer confirmed and carries on in the same `events` stream.
///
/// After a reconnect the server resends every transaction after the confirmed
/// position; the ones this feed already delivered are dropped, so `events`
/// holds each transaction exactly once. A new feed (say, after a restart of
/// the process) started with `startLSN` = the last confirmed checkpoint
/// receives exactly the transactions after it.
///
/// With `slotMustExist`, a slot that was dropped or invalidated (or moved past
/// the feed's position) is a gap in the stream, never papered over: the feed
/// creates a new slot and delivers `gap` before anything the new slot streams.
///
/// ```swift
/// let feed = ReplicationFeed(configuration: configuration)
/// for try await event in feed.events {
///     if case .checkpoint(let lsn) = event { try persist(lsn); feed.confirm(lsn: lsn) }
/// }
/// ```
public final class ReplicationFeed: Sendable {
    /// The events of every connection, without duplicates. Iterate it once.
    public let events: AsyncThrowingStream<ReplicationEvent, any Error>
    /// The slot this feed streams from.
    public let slotName: String
    private let state: Locked<FeedState>
    private let task: Task<Void, Never>
    private let firstStart: FirstStart
    private let continuation: AsyncThrowingStream<ReplicationEvent, any Error>.Continuation

    struct FeedState: Sendable {
        var confirmed: UInt64
        var connection: ReplicationConnection?
        var stopRequested = false
        var reconnects = 0
        /// Why the last connection attempt failed, for a start that times out.
        var lastFailure: String?
        /// After a gap: the new slot's start, the only position accepted until
        /// the consumer confirms it. Checkpoints of the lost slot still queued
        /// ahead of the gap would otherwise report positions the new slot never
        /// delivered, and a reconnect would skip them.
        var pendingSlotStart: UInt64?
    }

    /// Starts connecting at once; failures show up in `events`.
    /// - Parameters:
    ///   - retryDelay: the wait before the first reconnect; it doubles with
    ///     each consecutive failure, up to 30 times this.
    ///   - maxConsecutiveFailures: reconnects in a row that may fail before
    ///     `events` throws the last error. Errors that a reconnect cannot fix
    ///     (a missing publication, bytes that cannot be decoded) throw at once.
    public init(configuration: ReplicationConfiguration, retryDelay: Duration = .seconds(1), maxConsecutiveFailures: Int = 10) {
        let state = Locked(FeedState(confirmed: configuration.startLSN))
        let (events, continuation) = AsyncThrowingStream.makeStream(of: ReplicationEvent.self, throwing: (any Error).self)
        let firstStart = FirstStart()
        let task = Task {
            await Self.run(
                configuration: configuration, state: state, continuation: continuation, firstStart: firstStart,
                retryDelay: retryDelay, maxConsecutiveFailures: maxConsecutiveFailures)
        }
        continuation.onTermination = { _ in
            let connection = state.withLock { state -> ReplicationConnection? in
                state.stopRequested = true
                return state.connection
            }
            connection?.requestStop()
            task.cancel()
        }
        self.events = events
        self.continuation = continuation
        self.firstStart = firstStart
        self.slotName = configuration.slotName
        self.state = state
        self.task = task
    }

    deinit {
        task.cancel()
    }

    /// Records that everything up to `lsn` (a `checkpoint`'s LSN) is processed;
    /// reported to the server, and where the next reconnect resumes.
    public func confirm(lsn: UInt64) {
        let connection = state.withLock { state -> ReplicationConnection? in
            if let pending = state.pendingSlotStart {
                guard lsn == pending else { return nil }
                state.pendingSlotStart = nil
            }
            state.confirmed = max(state.confirmed, lsn)
            return state.connection
        }
        connection?.confirm(lsn: lsn)
    }

    /// The highest LSN confirmed so far.
    public var confirmedLSN: UInt64 { state.withLock { $0.confirmed } }

    /// Returns once the first connection streams (its slot exists, created
    /// if the consumer had none); throws the error that ended the feed
    /// before that, or `connectionFailed` after `timeout`.
    public func waitUntilStreaming(timeout: Duration) async throws {
        let state = self.state
        try await firstStart.wait(timeout: timeout) { state.withLock { $0.lastFailure } }
    }

    /// Whether a replication connection is streaming now.
    public var isConnected: Bool { state.withLock { $0.connection != nil } }

    /// The current walsender's process id, while connected.
    public var backendPID: Int32? { state.withLock { $0.connection?.backendPID } }

    /// How many times the feed has connected again after a failure.
    public var reconnects: Int { state.withLock { $0.reconnects } }

    /// Closes the current connection and ends `events`; returns once closed.
    public func stop() async {
        let connection = state.withLock { state -> ReplicationConnection? in
            state.stopRequested = true
            return state.connection
        }
        task.cancel()
        // The consumer is released at once, even while a connection attempt
        // still blocks in libpq (a slot being created waits for running transactions).
        continuation.finish()
        await connection?.stop()
        await task.value
    }

    private static func run(
        configuration: ReplicationConfiguration, state: Locked<FeedState>,
        continuation: AsyncThrowingStream<ReplicationEvent, any Error>.Continuation, firstStart: FirstStart,
        retryDelay: Duration, maxConsecutiveFailures: Int
    ) async {
        var outcome: Result<Void, any Error> = .failure(ChangeFeedError(.connectionFailed, "the replication feed stopped before it streamed"))
        defer { firstStart.finish(outcome) }
        var relations: [UInt32: PgOutputMessage.Relation] = [:]
        var lastSequence = configuration.sequenceFloor
        var lastCheckpoint = configuration.startLSN
        var failures = 0
        var connectedBefore = false
        /// Why the slot was found lost, until a new one streams.
        var lostSlot: String?
        while !state.withLock({ $0.stopRequested }) {
            var attempt = configuration
            attempt.startLSN = state.withLock { $0.confirmed }
            attempt.sequenceFloor = lastSequence
            attempt.replacesLostSlot = lostSlot != nil
            var connection: ReplicationConnection?
            do {
                let started = try await ReplicationConnection.start(attempt, relations: relations)
                connection = started
                let created = started.slotCreatedAt
                let stopNow = state.withLock { state -> Bool in
                    state.connection = started
                    // A new slot: its start is the consumer's position from now on, even
                    // below the old one (a failover to a standby that was behind).
                    if let created {
                        state.confirmed = created
                        if lostSlot != nil { state.pendingSlotStart = created }
                    }
                    // A confirmation made while this connection was starting.
                    started.confirm(lsn: state.confirmed)
                    if connectedBefore { state.reconnects += 1 }
                    return state.stopRequested
                }
                connectedBefore = true
                if stopNow { await started.stop() }
                if let created {
                    lastCheckpoint = created
                    if let reason = lostSlot {
                        lostSlot = nil
                        continuation.yield(.gap(reason: reason, lsn: created))
                    } else {
                        continuation.yield(.checkpoint(lsn: created))
                    }
                }
                outcome = .success(())
                firstStart.finish(outcome)
                for try await event in started.events {
                    failures = 0
                    guard Self.isNew(event, after: lastCheckpoint) else { continue }
                    if case .checkpoint(let lsn) = event { lastCheckpoint = lsn }
                    continuation.yield(event)
                }
                // The stream ended without an error: stop() or the consumer left.
                break
            } catch let error as ChangeFeedError where error.code == .slotLost && lostSlot == nil {
                // Replaced on the next attempt, at once.
                lostSlot = error.message
                state.withLock { $0.connection = nil }
                continue
            } catch let error as ChangeFeedError where error.isRetryable {
                state.withLock { $0.lastFailure = error.message }
                failures += 1
                if failures > maxConsecutiveFailures {
                    outcome = .failure(error)
                    continuation.finish(throwing: error)
                    return
                }
            } catch {
                outcome = .failure(error)
                continuation.finish(throwing: error)
                return
            }
            if let connection {
                relations = connection.relations
                lastSequence = max(lastSequence, connection.lastSequence)
            }
            state.withLock { $0.connection = nil }
            let backoff = min(1 << min(failures - 1, 5), 30)
            do {
                try await Task.sleep(for: retryDelay * backoff)
            } catch {
                break
            }
        }
        state.withLock { $0.connection = nil }
        continuation.finish()
    }

    /// Whether `event` comes after what the feed already delivered. Every
    /// transaction committed before a delivered checkpoint was delivered, and
    /// every later one commits at or after it.
    static func isNew(_ event: ReplicationEvent, after lastCheckpoint: UInt64) -> Bool {
        switch event {
        case .transaction(let transaction): transaction.lsn >= lastCheckpoint
        case .truncate(_, let lsn): lsn >= lastCheckpoint
        case .checkpoint(let lsn): lsn > lastCheckpoint
        case .relationChanged, .gap: true
        }
    }
}

/// The outcome of a feed's first connection, awaited by ``ReplicationFeed/waitUntilStreaming(timeout:)``.
final class FirstStart: Sendable {
    private let state = Locked<(outcome: Result<Void, ChangeFeedError>?, waiters: [CheckedContinuation<Void, any Error>])>((nil, []))

    /// Records the first outcome (later ones are ignored) and wakes every waiter.
    func finish(_ outcome: Result<Void, any Error>) {
        let feedOutcome = outcome.mapError { error in
            error as? ChangeFeedError ?? ChangeFeedError(.connectionFailed, "\(error)")
        }
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard state.outcome == nil else { return [] }
            state.outcome = feedOutcome
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(with: feedOutcome.mapError { $0 }) }
    }

    /// `lastFailure` says why, when the wait times out.
    func wait(timeout: Duration, lastFailure: @escaping @Sendable () -> String?) async throws {
        let timer = Task { [self] in
            try await Task.sleep(for: timeout)
            let why = lastFailure().map { ": the last attempt failed with \($0)" } ?? " (is the server reachable and accepting replication connections?)"
            finish(.failure(ChangeFeedError(.connectionFailed, "no replication connection within \(timeout.components.seconds) s\(why)")))
        }
        defer { timer.cancel() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome = state.withLock { state -> Result<Void, ChangeFeedError>? in
                if state.outcome == nil { state.waiters.append(continuation) }
                return state.outcome
            }
            if let outcome { continuation.resume(with: outcome.mapError { $0 }) }
        }
    }
}
