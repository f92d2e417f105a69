/// One pgoutput (`proto_version '1'`) logical replication message.
///
/// The layouts are PostgreSQL's "Logical Replication Message Formats"; LSNs are
/// raw 64-bit WAL positions and timestamps are microseconds since 2000-01-01 UTC.
public enum PgOutputMessage: Sendable, Equatable {
    case begin(Begin)
    case commit(Commit)
    case origin(Origin)
    case relation(Relation)
    case type(TypeInfo)
    case insert(Insert)
    case update(Update)
    case delete(Delete)
    case truncate(Truncate)

    /// `B`: a transaction starts; its changes and a `Commit` follow.
    public struct Begin: Sendable, Equatable {
        /// The LSN of the transaction's commit record.
        public var finalLSN: UInt64
        /// Microseconds since 2000-01-01 UTC.
        public var commitTimestamp: Int64
        /// The 32-bit transaction id, as `pg_current_xact_id()::xid` shows it.
        public var xid: UInt32

        public init(finalLSN: UInt64, commitTimestamp: Int64, xid: UInt32) {
            self.finalLSN = finalLSN
            self.commitTimestamp = commitTimestamp
            self.xid = xid
        }
    }

    /// `C`: the transaction that the last `Begin` started has committed.
    public struct Commit: Sendable, Equatable {
        /// Unused by PostgreSQL 15 (always 0).
        public var flags: UInt8
        /// The LSN of the commit record (the `Begin`'s `finalLSN`).
        public var commitLSN: UInt64
        /// The end of the commit record: where a restarted stream resumes after this transaction.
        public var endLSN: UInt64
        public var commitTimestamp: Int64

        public init(flags: UInt8, commitLSN: UInt64, endLSN: UInt64, commitTimestamp: Int64) {
            self.flags = flags
            self.commitLSN = commitLSN
            self.endLSN = endLSN
            self.commitTimestamp = commitTimestamp
        }
    }

    /// `O`: the transaction came from another node through replication origins.
    public struct Origin: Sendable, Equatable {
        /// The commit LSN on the origin node.
        public var commitLSN: UInt64
        /// The replication origin's name.
        public var name: String

        public init(commitLSN: UInt64, name: String) {
            self.commitLSN = commitLSN
            self.name = name
        }
    }

    /// `R`: a table's definition, sent before its first change and after each schema change.
    public struct Relation: Sendable, Equatable {
        /// The table's OID; changes refer to the table by it.
        public var id: UInt32
        /// Empty for `pg_catalog`.
        public var namespace: String
        public var name: String
        /// What old row updates and deletes of this table carry.
        public var replicaIdentity: ReplicaIdentity
        /// In table order; tuples list their values in the same order.
        public var columns: [Column]

        public init(id: UInt32, namespace: String, name: String, replicaIdentity: ReplicaIdentity, columns: [Column]) {
            self.id = id
            self.namespace = namespace
            self.name = name
            self.replicaIdentity = replicaIdentity
            self.columns = columns
        }

        public struct Column: Sendable, Equatable {
            /// Bit 0 set: the column is part of the replica identity key.
            public var flags: UInt8
            public var name: String
            /// The column type's OID (25 is `text`, 23 `int4`).
            public var typeOID: UInt32
            /// The `atttypmod` (-1 when the type has none, e.g. `text`).
            public var typeModifier: Int32

            public init(flags: UInt8, name: String, typeOID: UInt32, typeModifier: Int32) {
                self.flags = flags
                self.name = name
                self.typeOID = typeOID
                self.typeModifier = typeModifier
            }

            public var isKey: Bool { flags & 1 != 0 }
        }
    }

    /// A table's `REPLICA IDENTITY`, which decides what old row an update or delete carries.
    public enum ReplicaIdentity: UInt8, Sendable, Equatable {
        case `default` = 0x64  // d: primary key columns
        case nothing = 0x6E  // n: no old row
        case full = 0x66  // f: every column
        case index = 0x69  // i: a chosen unique index
    }

    /// `Y`: a non-built-in type used by a following `Relation`.
    public struct TypeInfo: Sendable, Equatable {
        /// The type's OID, as a `Relation` column's `typeOID` refers to it.
        public var oid: UInt32
        public var namespace: String
        public var name: String

        public init(oid: UInt32, namespace: String, name: String) {
            self.oid = oid
            self.namespace = namespace
            self.name = name
        }
    }

    /// `I`: a new row.
    public struct Insert: Sendable, Equatable {
        /// The `Relation` this row belongs to.
        public var relationID: UInt32
        public var new: [TupleValue]

        public init(relationID: UInt32, new: [TupleValue]) {
            self.relationID = relationID
            self.new = new
        }
    }

    /// `U`: a changed row, with the old row when the replica identity provides one.
    public struct Update: Sendable, Equatable {
        /// The `Relation` this row belongs to.
        public var relationID: UInt32
        /// `K`: only the key columns are set; `O`: the whole old row (`REPLICA IDENTITY FULL`).
        public var oldKind: OldTupleKind?
        public var old: [TupleValue]?
        public var new: [TupleValue]

        public init(relationID: UInt32, oldKind: OldTupleKind?, old: [TupleValue]?, new: [TupleValue]) {
            self.relationID = relationID
            self.oldKind = oldKind
            self.old = old
            self.new = new
        }
    }

    /// `D`: a removed row, as its key or its whole old row.
    public struct Delete: Sendable, Equatable {
        /// The `Relation` this row belongs to.
        public var relationID: UInt32
        public var oldKind: OldTupleKind
        public var old: [TupleValue]

        public init(relationID: UInt32, oldKind: OldTupleKind, old: [TupleValue]) {
            self.relationID = relationID
            self.oldKind = oldKind
            self.old = old
        }
    }

    /// `T`: `TRUNCATE` of one or more tables.
    public struct Truncate: Sendable, Equatable {
        /// The truncated tables' `Relation` ids.
        public var relationIDs: [UInt32]
        /// Bit 0: CASCADE; bit 1: RESTART IDENTITY.
        public var options: UInt8

        public init(relationIDs: [UInt32], options: UInt8) {
            self.relationIDs = relationIDs
            self.options = options
        }

        public var cascade: Bool { options & 1 != 0 }
        public var restartIdentity: Bool { options & 2 != 0 }
    }

    /// Which old row an update or delete carries.
    public enum OldTupleKind: UInt8, Sendable, Equatable {
        case key = 0x4B  // K
        case old = 0x4F  // O
    }

    /// One column of a row.
    public enum TupleValue: Sendable, Equatable {
        /// SQL NULL.
        case null
        /// A TOASTed value the update did not change; the server does not resend it.
        case unchangedToast
        /// The value's text form.
        case text(String)
        /// The value's binary form (only with the `binary` option, which qactl does not request).
        case binary([UInt8])
    }
}

/// One CopyData payload of a `START_REPLICATION` stream.
public enum ReplicationMessage: Sendable, Equatable {
    /// `w`: WAL data carrying one pgoutput message.
    case xLogData(walStart: UInt64, walEnd: UInt64, sendTime: Int64, message: PgOutputMessage)
    /// `k`: the server's keepalive; answer at once when `replyRequested`.
    case keepalive(walEnd: UInt64, sendTime: Int64, replyRequested: Bool)
}
