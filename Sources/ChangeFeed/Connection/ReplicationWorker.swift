import Foundation

/// What the replication thread shares with the connection's async callers.
struct ReplicationSharedState: Sendable {
    var stopRequested = false
    /// The highest LSN the consumer confirmed; the only position ever reported.
    var confirmed: UInt64
    /// The assembler's table definitions, for a reconnect to carry over.
    var relations: [UInt32: PgOutputMessage.Relation]
    var lastSequence: Int64
    /// Where a slot this connection created starts streaming (its consistent point).
    var slotCreatedAt: UInt64?
}

/// The libpq side of a `ReplicationConnection`. It is created, used and
/// dropped on one dedicated OS thread (so it is not `Sendable`); it reaches
/// the rest of the program only through `shared` (locked) and the stream
/// continuation (thread-safe).
final class ReplicationWorker {
    /// How long one `poll()` waits before the stop flag and timers are checked again.
    static let pollMilliseconds: Int32 = 100

    private let configuration: ReplicationConfiguration
    private let shared: Locked<ReplicationSharedState>
    private let continuation: AsyncThrowingStream<ReplicationEvent, any Error>.Continuation
    private var machine: ReplicationStateMachine
    private var connection: PQConnection?

    init(
        configuration: ReplicationConfiguration, shared: Locked<ReplicationSharedState>,
        continuation: AsyncThrowingStream<ReplicationEvent, any Error>.Continuation
    ) {
        self.configuration = configuration
        self.shared = shared
        self.continuation = continuation
        let state = shared.current
        self.machine = ReplicationStateMachine(
            assembler: TransactionAssembler(sequenceFloor: state.lastSequence, relations: state.relations))
    }

    /// Connects, identifies, makes sure the slot exists and starts streaming.
    func open() throws -> (SystemIdentity, Int32) {
        let connection = try PQConnection.connect(
            url: configuration.url, applicationName: configuration.applicationName, extra: [("replication", "database")])
        self.connection = connection
        let identity = try identify(connection)
        try checkPublication(connection)
        try ensureSlot(connection)
        try startReplication(connection)
        machine.streamingStarted(now: .now)
        return (identity, connection.backendPID)
    }

    /// Streams until stopped or broken, then finishes the event stream.
    func run() {
        do {
            try loop()
            let status = machine.stopRequested(confirmed: shared.current.confirmed, now: .now, clock: Self.clock())
            // A last report so the slot keeps up with the consumer; the
            // connection closes either way, so a failure here changes nothing.
            if let status { try? connection?.sendCopyData(status.encoded()) }
            close()
            continuation.finish()
        } catch {
            close()
            continuation.finish(throwing: error)
        }
    }

    /// Closes the connection (a temporary slot goes with it).
    func close() {
        connection?.close()
        connection = nil
        machine.closed()
    }

    private func loop() throws {
        guard let connection else { return }
        while !shared.current.stopRequested {
            switch try connection.readCopyData() {
            case .data(let bytes):
                let output = try machine.received(bytes, now: .now, confirmed: shared.current.confirmed, clock: Self.clock())
                if !output.events.isEmpty {
                    let assembler = machine.assembler
                    shared.withLock {
                        $0.relations = assembler.relations
                        $0.lastSequence = assembler.lastSequence
                    }
                    for event in output.events { continuation.yield(event) }
                }
                if let status = output.status { try connection.sendCopyData(status.encoded()) }
            case .wouldBlock:
                if let status = machine.tick(now: .now, confirmed: shared.current.confirmed, clock: Self.clock()) {
                    try connection.sendCopyData(status.encoded())
                }
                if try connection.waitReadable(milliseconds: Self.pollMilliseconds) {
                    try connection.consumeInput()
                }
            case .ended(let message):
                throw ChangeFeedError(.replicationFailed, "the server ended the replication stream: \(message)")
            }
        }
    }

    /// `START_REPLICATION`, waiting up to 2 s for a slot that is still
    /// "active for PID …": usually the walsender of a connection to the same
    /// slot that just closed, which the server releases a moment later.
    private func startReplication(_ connection: PQConnection) throws {
        // A slot this connection just created streams from its own start: asking
        // for an older consumer position (a failover to a standby that is behind)
        // would make the server skip what the new slot holds before it.
        let start = shared.current.slotCreatedAt != nil ? 0 : configuration.startLSN
        let command =
            "START_REPLICATION SLOT \(configuration.slotName) LOGICAL \(LSN.format(start)) "
            + "(proto_version '1', publication_names '\(configuration.publicationName)')"
        var attempts = 0
        while true {
            do {
                return try connection.startCopyBoth(command)
            } catch let error as ChangeFeedError where error.sqlState == "55006" {
                attempts += 1
                guard attempts < 20, !shared.current.stopRequested else {
                    // Still held: another consumer uses the slot. A later retry may find it free.
                    throw ChangeFeedError(.replicationFailed, error.message, sqlState: error.sqlState)
                }
                usleep(100_000)
            }
        }
    }

    private func identify(_ connection: PQConnection) throws -> SystemIdentity {
        let rows = try connection.query("IDENTIFY_SYSTEM")
        guard let row = rows.first, row.count >= 4 else {
            throw ChangeFeedError(.protocolViolation, "IDENTIFY_SYSTEM returned \(rows.first?.count ?? 0) columns, expected 4")
        }
        return SystemIdentity(
            systemID: row[0] ?? "", timeline: Int(row[1] ?? "") ?? 0,
            walPosition: LSN.parse(row[2] ?? "") ?? 0, database: row[3] ?? "")
    }

    private func checkPublication(_ connection: PQConnection) throws {
        // Names are validated as [a-z0-9_]+, so they are safe as literals; the
        // walsender accepts only the simple query protocol (no parameters).
        let name = configuration.publicationName
        guard try !connection.query("SELECT 1 FROM pg_publication WHERE pubname = '\(name)'").isEmpty else {
            throw ChangeFeedError(
                .serverNotReady,
                "publication '\(name)' does not exist in this database; create it with ReplicationSetup.ensurePublication "
                    + "(CREATE PUBLICATION \(name) FOR TABLE …)")
        }
    }

    private func ensureSlot(_ connection: PQConnection) throws {
        let name = configuration.slotName
        // wal_status exists from PostgreSQL 13; 'lost' means max_slot_wal_keep_size removed WAL it needed.
        let walStatus = connection.serverVersion >= 130000 ? "coalesce(wal_status, '')" : "''"
        let existing = try connection.query(
            "SELECT slot_type, plugin, (database = current_database())::text, \(walStatus), coalesce(confirmed_flush_lsn::text, '') "
                + "FROM pg_replication_slots WHERE slot_name = '\(name)'")
        if let slot = existing.first {
            guard !configuration.temporarySlot else {
                throw ChangeFeedError(
                    .invalidName, "slot '\(name)' already exists; a temporary slot needs a free name (or drop it with ReplicationSetup.dropSlot)")
            }
            guard slot[0] == "logical", slot[1] == "pgoutput", slot[2] == "true" else {
                let kind = slot[0] == "logical" ? "uses plugin '\(slot[1] ?? "")' in database-match=\(slot[2] ?? "")" : "is a physical slot"
                throw ChangeFeedError(
                    .invalidName, "slot '\(name)' exists but \(kind); qactl needs a pgoutput slot in this database: drop it or choose another name")
            }
            guard configuration.slotMustExist else { return }
            if configuration.replacesLostSlot {
                try dropLostSlot(connection)
            } else if slot[3] == "lost" {
                throw ChangeFeedError(
                    .slotLost,
                    "replication slot '\(name)' was invalidated by the server (wal_status 'lost': it fell more than max_slot_wal_keep_size behind)")
            } else if configuration.startLSN > 0, let flushed = LSN.parse(slot[4] ?? ""), flushed > configuration.startLSN {
                throw ChangeFeedError(
                    .slotLost,
                    "replication slot '\(name)' is at \(LSN.format(flushed)), past this feed's position \(LSN.format(configuration.startLSN)): "
                        + "it was recreated or advanced by another program")
            } else {
                return
            }
        } else if configuration.slotMustExist && !configuration.replacesLostSlot && configuration.startLSN > 0 {
            throw ChangeFeedError(.slotLost, "replication slot '\(name)' no longer exists (dropped by hand, or lost in a failover)")
        }
        // PostgreSQL 15 takes options in parentheses; older servers only the keyword form.
        let snapshot = connection.serverVersion >= 150000 ? "(SNAPSHOT 'nothing')" : "NOEXPORT_SNAPSHOT"
        let temporary = configuration.temporarySlot ? " TEMPORARY" : ""
        do {
            let created = try connection.query("CREATE_REPLICATION_SLOT \(name)\(temporary) LOGICAL pgoutput \(snapshot)")
            let start = created.first.flatMap { $0.count > 1 ? $0[1] : nil }.flatMap { LSN.parse($0) }
            shared.withLock { state in
                state.slotCreatedAt = start
                // Nothing of the new slot is processed yet: report its start, never an older consumer's position past it.
                if let start { state.confirmed = start }
            }
        } catch let error as ChangeFeedError where error.sqlState == "42710" && !configuration.temporarySlot && !configuration.slotMustExist {
            // Another process created it between the check and here: use it.
        } catch let error as ChangeFeedError where error.sqlState == "55000" {
            // object_not_in_prerequisite_state: wal_level is not logical, or the like.
            throw ChangeFeedError(
                .serverNotReady, error.message + " (ReplicationSetup.checkServer() lists what to change)", sqlState: error.sqlState)
        }
    }

    /// Drops a slot found lost so that a new one can take its name. A slot
    /// still held by a walsender (the previous connection, just closing) is a
    /// retryable failure.
    private func dropLostSlot(_ connection: PQConnection) throws {
        do {
            try connection.query("DROP_REPLICATION_SLOT \(configuration.slotName)")
        } catch let error as ChangeFeedError where error.sqlState == "42704" {
            // Gone meanwhile: nothing to drop.
        } catch let error as ChangeFeedError where error.sqlState == "55006" {
            throw ChangeFeedError(.replicationFailed, error.message, sqlState: error.sqlState)
        }
    }

    /// Microseconds since 2000-01-01 UTC, the protocol's clock.
    static func clock() -> Int64 {
        Int64((Date().timeIntervalSince1970 - 946_684_800) * 1_000_000)
    }
}
