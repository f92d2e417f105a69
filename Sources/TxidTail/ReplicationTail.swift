import ChangeFeed
import Foundation

/// PostgreSQL mode: reads the database's logical replication stream through
/// a temporary slot and a temporary publication, both named
/// `qactl_tail_<random>`, and prints a line per committed transaction.
///
/// The slot is `TEMPORARY`: PostgreSQL drops it when the connection closes,
/// however the process ends. The publication is dropped on every way out that
/// runs code (success, `--await`, timeout, errors, SIGINT/SIGTERM). One left
/// by a tail that was killed (SIGKILL, a crash) is dropped by the next tail
/// on the same database: its name carries its creation time, and a tail's
/// slot has the same name, so one over a minute old without its slot has no
/// tail left.
struct ReplicationTail: Sendable {
    let url: String
    let options: TailOptions
    let printer: TailPrinter

    func run() async throws -> TailOutcome {
        let name = Self.uniqueName()
        let setup = ReplicationSetup(url: url, applicationName: "qactl tail-txid")
        let catalog = PostgresCatalog(url: url)
        do {
            try await setup.checkServer()
        } catch {
            throw Self.tailError(error)
        }
        if let dropped = try? await catalog.dropAbandonedPublications(now: Date()), !dropped.isEmpty {
            printer.note("dropped \(dropped.count == 1 ? "a publication" : "\(dropped.count) publications") left by a killed tail-txid: \(dropped.joined(separator: ", "))")
        }
        var connection: ReplicationConnection?
        let result: Result<TailOutcome, TailError>
        do {
            try await publish(name, setup: setup, catalog: catalog)
            let started = try await ReplicationConnection.start(ReplicationConfiguration(
                url: url, slotName: name, publicationName: name, temporarySlot: true, applicationName: "qactl tail-txid"))
            connection = started
            result = .success(try await follow(started, catalog: catalog, name: name))
        } catch {
            result = .failure(Self.tailError(error))
        }
        // Clean-up runs whatever happened above, cancellation included: these
        // calls wait on threads, not on the (possibly cancelled) task.
        if let connection { await connection.stop() }
        do {
            try await setup.dropPublication(name)
        } catch {
            printer.note("could not drop publication \(name) (\(Self.tailError(error).message)); drop it with: DROP PUBLICATION \(name)")
        }
        return try result.get()
    }

    /// Creates the publication: `FOR ALL TABLES` for a superuser (tables
    /// created later are followed too), else the tables the role owns.
    private func publish(_ name: String, setup: ReplicationSetup, catalog: PostgresCatalog) async throws {
        if try await catalog.isSuperuser() {
            try await catalog.createPublicationForAllTables(name)
            return
        }
        let tables = try await catalog.ownedTables()
        guard !tables.isEmpty else {
            throw TailError(
                .databaseNotReady,
                "this role owns no tables to publish, and only a superuser may publish FOR ALL TABLES; connect as the tables' owner or a superuser")
        }
        try await setup.ensurePublication(name, tables: tables)
        let count = tables.count == 1 ? "the 1 table" : "the \(tables.count) tables"
        printer.note("following \(count) this role owns (not a superuser: tables created later are not followed)")
    }

    private func follow(_ connection: ReplicationConnection, catalog: PostgresCatalog, name: String) async throws -> TailOutcome {
        printer.ready(.postgres(database: DatabaseURL.redacted(url), slot: name, publication: name, lsn: connection.system.walPosition))
        if let target = options.awaitTxid, let outcome = try await alreadyThere(target, catalog: catalog) {
            return outcome
        }
        let initialKeys = RowKeys(primaryKeys: (try? await catalog.primaryKeys()) ?? [:])
        let progress = TailProgress()
        let deadline = options.awaitTxid == nil ? nil : options.timeout
        let target = options.awaitTxid.map { UInt32(truncatingIfNeeded: $0) }
        return try await Deadline.run(
            deadline, onTimeout: { progress.timeoutError(txid: UInt64(target ?? 0), timeout: options.timeout, what: "xid") }
        ) {
            var keys = initialKeys
            // Tables whose primary key was looked up (a table without one is never in `keys`).
            var checked = Set(initialKeys.primaryKeys.keys)
            var stale = Set<String>()
            for try await event in connection.events {
                switch event {
                case .transaction(let transaction):
                    let tables = Set(transaction.changes.map(\.table))
                    if !tables.isSubset(of: checked) || !stale.isDisjoint(with: tables) {
                        // A new or redefined table: its primary key may differ from what was read.
                        if let fresh = try? await catalog.primaryKeys() { keys.primaryKeys = fresh }
                        checked.formUnion(tables)
                        stale.subtract(tables)
                    }
                    printer.emit(TransactionLine(transaction, keys: keys))
                    progress.saw([transaction.txid])
                    if let target, UInt32(truncatingIfNeeded: transaction.txid) == target {
                        printer.emit(AwaitedLine(txid: UInt64(target), evidence: .change))
                        return TailOutcome.awaited(txid: UInt64(target), evidence: .change)
                    }
                case .truncate(let tables, let lsn):
                    printer.emit(TruncateLine(tables: tables, lsn: lsn))
                case .relationChanged(let table):
                    stale.insert(table)
                case .checkpoint(let lsn):
                    // Lets the server recycle WAL while the tail runs.
                    connection.confirm(lsn: lsn)
                case .gap:
                    // Only a ReplicationFeed over a slot that must exist reports gaps; the tail's slot is temporary.
                    continue
                }
            }
            // The events end after stop(), or when the task is cancelled (a signal, the timeout).
            return TailOutcome.stopped
        }
    }

    /// `--await` for a transaction that finished before the slot existed:
    /// nothing would ever stream it, so ask the server (the slot exists by
    /// now, so a commit after this check is streamed).
    private func alreadyThere(_ txid: UInt64, catalog: PostgresCatalog) async throws -> TailOutcome? {
        let xid = UInt32(truncatingIfNeeded: txid)
        let status: PostgresCatalog.TransactionStatus
        do {
            status = try await catalog.status(ofXid: xid)
        } catch {
            printer.note("cannot ask whether xid \(xid) already committed (\(Self.tailError(error).message)); waiting for it in the stream")
            return nil
        }
        switch status {
        case .committed:
            printer.emit(AwaitedLine(txid: UInt64(xid), evidence: .committed))
            return .awaited(txid: UInt64(xid), evidence: .committed)
        case .aborted:
            throw TailError(.rolledBack, "xid \(xid) was rolled back; it will never appear")
        case .inProgress, .future:
            return nil
        case .unknown(let why):
            printer.note("cannot tell whether xid \(xid) already committed (\(why)); waiting for it in the stream")
            return nil
        }
    }

    /// `qactl_tail_`, the creation time (10 decimal digits of seconds since
    /// 1970), `_` and 8 random hex digits: slot and publication names need `[a-z0-9_]+`.
    static func uniqueName(now: Date = Date()) -> String {
        let seconds = String(Int(now.timeIntervalSince1970))
        let digits = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "qactl_tail_" + String(repeating: "0", count: max(0, 10 - seconds.count)) + seconds + "_"
            + String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// When a name made by ``uniqueName(now:)`` was made; nil for any other name.
    static func creationTime(ofName name: String) -> Date? {
        let parts = name.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "qactl", parts[1] == "tail", parts[2].count == 10, parts[3].count == 8,
              parts[3].allSatisfy({ $0.isHexDigit && !$0.isUppercase }), let seconds = Int(parts[2]) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// The ``TailError`` for a failure of set-up, the catalog or the stream.
    static func tailError(_ error: any Error) -> TailError {
        switch error {
        case let error as TailError:
            return error
        case let error as ChangeFeedError:
            switch error.code {
            case .serverNotReady:
                let problems = error.message.split(separator: "\n").map(String.init)
                // A role without REPLICATION is refused authorisation, not a server to fix.
                let code: TailError.Code = problems.allSatisfy { $0.contains("may not start replication") } ? .refused : .databaseNotReady
                return TailError(code, problems.joined(separator: "; "))
            case .connectionFailed:
                return TailError(CatalogConnection.isRefusal(error.message) ? .refused : .unreachable, error.message)
            case .invalidURL:
                return TailError(.usage, "--database-url: \(error.message)")
            case .queryFailed where error.sqlState == "42501":
                return TailError(.refused, error.message)
            default:
                return TailError(.databaseFailed, error.description)
            }
        default:
            return TailError(.databaseFailed, "\(error)")
        }
    }
}
