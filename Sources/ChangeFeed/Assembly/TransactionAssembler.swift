import SyncModel
/// Turns decoded pgoutput messages into `ReplicationEvent`s: whole committed
/// transactions with named columns, plus truncates, schema changes and
/// checkpoints. Pure and synchronous, so it is tested without a server.
///
/// A transaction's changes are held until its `Commit` arrives, so memory
/// grows with the largest transaction (pgoutput `proto_version '1'` only sends
/// a transaction once it has committed, so nothing is held for aborted ones).
///
/// **Sequences.** `RowChange.sequence` must grow in (commit LSN, op) order and
/// fit an `Int64`. A transaction committed at LSN `L` with `n` changes gets
/// `base, base+1, …, base+n-1` where `base = max(L, previous sequence + 1)`.
/// Commit LSNs grow in commit order, so sequences do too; they equal
/// `L + index` whenever the previous transaction left room, which is the
/// common case (each change writes tens of WAL bytes). Seed `sequenceFloor`
/// with the last sequence you applied when resuming, so a restarted feed
/// never hands out a smaller one.
public struct TransactionAssembler: Sendable {
    /// Table definitions seen so far, by relation OID.
    public private(set) var relations: [UInt32: PgOutputMessage.Relation]
    /// The last `RowChange.sequence` handed out.
    public private(set) var lastSequence: Int64
    /// The last checkpoint LSN emitted.
    public private(set) var lastCheckpoint: UInt64 = 0
    private var open: OpenTransaction?

    private struct OpenTransaction: Sendable {
        var begin: PgOutputMessage.Begin
        var changes: [Pending] = []
        var changedTables: [String] = []
        var truncates: [[String]] = []
    }

    private struct Pending: Sendable {
        var table: String
        var operation: RowChange.Operation
        var old: [String: String?]?
        var new: [String: String?]?
    }

    /// - Parameters:
    ///   - sequenceFloor: sequences handed out are greater than this.
    ///   - relations: definitions a previous connection saw, so that a schema
    ///     change made while disconnected is still reported.
    public init(sequenceFloor: Int64 = 0, relations: [UInt32: PgOutputMessage.Relation] = [:]) {
        self.lastSequence = sequenceFloor
        self.relations = relations
    }

    /// Whether a `Begin` has arrived without its `Commit`.
    public var isInTransaction: Bool { open != nil }

    /// Consumes one message of the replication stream.
    public mutating func consume(_ message: ReplicationMessage) throws -> [ReplicationEvent] {
        switch message {
        case .xLogData(_, _, _, let message):
            return try consume(message)
        case .keepalive(let walEnd, _, _):
            // Between transactions everything committed before walEnd has been
            // sent; inside one, the open transaction's commit may still come.
            guard open == nil, walEnd > lastCheckpoint else { return [] }
            lastCheckpoint = walEnd
            return [.checkpoint(lsn: walEnd)]
        }
    }

    /// Consumes one pgoutput message; returns the events it completes (only
    /// `Commit`, and `Relation` outside a transaction, complete any).
    public mutating func consume(_ message: PgOutputMessage) throws -> [ReplicationEvent] {
        switch message {
        case .begin(let begin):
            guard open == nil else {
                throw ChangeFeedError(.protocolViolation, "Begin of xid \(begin.xid) arrived inside xid \(open?.begin.xid ?? 0)")
            }
            open = OpenTransaction(begin: begin)
            return []
        case .commit(let commit):
            return try finish(commit)
        case .relation(let relation):
            let changed = record(relation)
            guard !changed.isEmpty else { return [] }
            guard var transaction = open else { return changed.map { .relationChanged(table: $0) } }
            for table in changed where !transaction.changedTables.contains(table) {
                transaction.changedTables.append(table)
            }
            open = transaction
            return []
        case .type, .origin:
            return []
        case .insert(let insert):
            let relation = try self.relation(insert.relationID, "Insert")
            try add(Pending(table: Self.tableName(relation), operation: .insert, old: nil, new: try Self.row(insert.new, relation, keyOnly: false)))
            return []
        case .update(let update):
            let relation = try self.relation(update.relationID, "Update")
            let oldValues = update.old
            let old = try oldValues.map { try Self.row($0, relation, keyOnly: update.oldKind == .key) }
            let new = try Self.row(update.new, relation, keyOnly: false, unchangedFrom: update.oldKind == .old ? oldValues : nil)
            try add(Pending(table: Self.tableName(relation), operation: .update, old: old, new: new))
            return []
        case .delete(let delete):
            let relation = try self.relation(delete.relationID, "Delete")
            let old = try Self.row(delete.old, relation, keyOnly: delete.oldKind == .key)
            try add(Pending(table: Self.tableName(relation), operation: .delete, old: old, new: nil))
            return []
        case .truncate(let truncate):
            let tables = try truncate.relationIDs.map { Self.tableName(try relation($0, "Truncate")) }
            guard var transaction = open else {
                throw ChangeFeedError(.protocolViolation, "Truncate arrived outside a transaction")
            }
            transaction.truncates.append(tables)
            open = transaction
            return []
        }
    }

    /// The name a change carries: the bare table name in `public`, else `schema.table`.
    public static func tableName(_ relation: PgOutputMessage.Relation) -> String {
        relation.namespace.isEmpty || relation.namespace == "public" ? relation.name : relation.namespace + "." + relation.name
    }

    private mutating func finish(_ commit: PgOutputMessage.Commit) throws -> [ReplicationEvent] {
        guard let transaction = open else {
            throw ChangeFeedError(.protocolViolation, "Commit at \(LSN.format(commit.commitLSN)) arrived outside a transaction")
        }
        guard transaction.begin.finalLSN == commit.commitLSN else {
            throw ChangeFeedError(
                .protocolViolation,
                "Commit at \(LSN.format(commit.commitLSN)) does not match its Begin's \(LSN.format(transaction.begin.finalLSN))")
        }
        open = nil
        var events: [ReplicationEvent] = transaction.changedTables.map { .relationChanged(table: $0) }
        if !transaction.changes.isEmpty {
            let base = max(lastSequence &+ 1, Int64(clamping: commit.commitLSN))
            let changes = transaction.changes.enumerated().map { index, change in
                RowChange(
                    table: change.table, operation: change.operation, old: change.old, new: change.new,
                    opPosition: Int64(index) * 2, sequence: base &+ Int64(index))
            }
            lastSequence = base &+ Int64(changes.count - 1)
            events.append(.transaction(CommittedTransaction(
                txid: UInt64(transaction.begin.xid), lsn: commit.commitLSN,
                committedAtMilliseconds: Self.unixMilliseconds(commit.commitTimestamp), changes: changes)))
        }
        events += transaction.truncates.map { .truncate(tables: $0, lsn: commit.commitLSN) }
        lastCheckpoint = max(lastCheckpoint, commit.endLSN)
        events.append(.checkpoint(lsn: commit.endLSN))
        return events
    }

    private mutating func add(_ change: Pending) throws {
        guard open != nil else {
            throw ChangeFeedError(.protocolViolation, "a \(change.operation.rawValue) on \(change.table) arrived outside a transaction")
        }
        open?.changes.append(change)
    }

    private func relation(_ id: UInt32, _ what: String) throws -> PgOutputMessage.Relation {
        guard let relation = relations[id] else {
            throw ChangeFeedError(.protocolViolation, "\(what) refers to relation \(id), whose Relation message never arrived")
        }
        return relation
    }

    /// Stores a definition; returns the tables whose shape it changes (none
    /// for a first sighting or an identical resend after a cache flush).
    private mutating func record(_ relation: PgOutputMessage.Relation) -> [String] {
        let name = Self.tableName(relation)
        var changed: [String] = []
        if let previous = relations[relation.id] {
            if !Self.sameShape(previous, relation) {
                changed.append(name)
                let previousName = Self.tableName(previous)
                if previousName != name { changed.append(previousName) }
            }
        } else if let stale = relations.first(where: { Self.tableName($0.value) == name }) {
            // Same name, new OID: the table was dropped and created again.
            relations[stale.key] = nil
            changed.append(name)
        }
        relations[relation.id] = relation
        return changed
    }

    /// Names and types are what shapes depend on; key flags and replica
    /// identity change with `REPLICA IDENTITY FULL` and are not a new schema.
    private static func sameShape(_ a: PgOutputMessage.Relation, _ b: PgOutputMessage.Relation) -> Bool {
        a.namespace == b.namespace && a.name == b.name && a.columns.count == b.columns.count
            && zip(a.columns, b.columns).allSatisfy {
                $0.name == $1.name && $0.typeOID == $1.typeOID && $0.typeModifier == $1.typeModifier
            }
    }

    /// A tuple as column name → text (nil for NULL). Key-only tuples carry
    /// only the key columns (the server sends the others as nulls that are not
    /// real values). An unchanged TOAST value is taken from `unchangedFrom`
    /// (the full old row) when it has it; otherwise the column is left out,
    /// because its value is unknown, not NULL.
    private static func row(
        _ values: [PgOutputMessage.TupleValue], _ relation: PgOutputMessage.Relation, keyOnly: Bool,
        unchangedFrom old: [PgOutputMessage.TupleValue]? = nil
    ) throws -> [String: String?] {
        guard values.count == relation.columns.count else {
            throw ChangeFeedError(
                .protocolViolation,
                "a row of \(tableName(relation)) has \(values.count) columns but its Relation has \(relation.columns.count)")
        }
        var row: [String: String?] = [:]
        row.reserveCapacity(values.count)
        for (index, column) in relation.columns.enumerated() where !keyOnly || column.isKey {
            var value = values[index]
            if value == .unchangedToast, let old, index < old.count { value = old[index] }
            switch value {
            case .null: row[column.name] = .some(nil)
            case .text(let text): row[column.name] = .some(text)
            case .unchangedToast: continue
            case .binary:
                throw ChangeFeedError(.unsupportedMessage, "column \(column.name) of \(tableName(relation)) arrived in binary form")
            }
        }
        return row
    }

    /// Microseconds since 2000-01-01 UTC → milliseconds since 1970-01-01 UTC.
    static func unixMilliseconds(_ postgresMicroseconds: Int64) -> Int64 {
        let milliseconds = postgresMicroseconds / 1000 - (postgresMicroseconds % 1000 < 0 ? 1 : 0)
        return milliseconds + 946_684_800_000
    }
}
