/// The replication connection's states and the decisions that depend on them,
/// kept apart from libpq (swift-nio style) so they are tested without a server.
///
/// The worker thread feeds it what happened (bytes arrived, time passed, stop
/// asked) and carries out what it returns (deliver events, send a status update).
struct ReplicationStateMachine: Sendable {
    enum State: Equatable, Sendable {
        case connecting
        case streaming
        case stopping
        case closed
    }

    /// What the worker must do after an input.
    struct Output: Sendable {
        var events: [ReplicationEvent] = []
        /// A status update to send now.
        var status: StandbyStatusUpdate?
    }

    /// The longest the server goes without a status update (its
    /// `wal_sender_timeout` is 60 s by default).
    static let statusInterval: Duration = .seconds(10)
    /// A newly confirmed LSN is reported this soon, but not more often.
    static let confirmInterval: Duration = .seconds(1)

    private(set) var state: State = .connecting
    private(set) var assembler: TransactionAssembler
    private var lastStatusAt: ContinuousClock.Instant?
    private var lastReported: UInt64 = 0

    init(assembler: TransactionAssembler) {
        self.assembler = assembler
    }

    /// `START_REPLICATION` answered with COPY BOTH.
    mutating func streamingStarted(now: ContinuousClock.Instant) {
        guard state == .connecting else { return }
        state = .streaming
        // The first periodic update is due one interval after the start.
        lastStatusAt = now
    }

    /// One CopyData payload arrived. Events are returned for delivery; a status
    /// update is due when the server asked for one or a timer expired.
    mutating func received(
        _ bytes: [UInt8], now: ContinuousClock.Instant, confirmed: UInt64, clock: Int64
    ) throws -> Output {
        guard state == .streaming else { return Output() }
        let message = try PgOutputDecoder.decodeCopyData(bytes)
        var output = Output(events: try assembler.consume(message))
        if case .keepalive(_, _, true) = message {
            output.status = status(confirmed: confirmed, now: now, clock: clock)
        } else {
            output.status = tick(now: now, confirmed: confirmed, clock: clock)
        }
        return output
    }

    /// Time passed with nothing to read: a status update if one is due.
    mutating func tick(now: ContinuousClock.Instant, confirmed: UInt64, clock: Int64) -> StandbyStatusUpdate? {
        guard state == .streaming, let last = lastStatusAt else { return nil }
        let elapsed = last.duration(to: now)
        let due = elapsed >= Self.statusInterval || (confirmed > lastReported && elapsed >= Self.confirmInterval)
        return due ? status(confirmed: confirmed, now: now, clock: clock) : nil
    }

    /// Stop was asked: a last status update so the slot keeps what the consumer confirmed.
    mutating func stopRequested(confirmed: UInt64, now: ContinuousClock.Instant, clock: Int64) -> StandbyStatusUpdate? {
        guard state == .streaming else {
            if state == .connecting { state = .stopping }
            return nil
        }
        state = .stopping
        guard confirmed > lastReported else { return nil }
        lastReported = confirmed
        lastStatusAt = now
        return StandbyStatusUpdate(confirmed: confirmed, clock: clock)
    }

    /// The connection is gone, cleanly or not.
    mutating func closed() {
        state = .closed
    }

    private mutating func status(confirmed: UInt64, now: ContinuousClock.Instant, clock: Int64) -> StandbyStatusUpdate {
        // Never report less than before: the server ignores regressions, and a
        // consumer's confirmations only grow.
        lastReported = max(lastReported, confirmed)
        lastStatusAt = now
        return StandbyStatusUpdate(confirmed: lastReported, clock: clock)
    }
}
