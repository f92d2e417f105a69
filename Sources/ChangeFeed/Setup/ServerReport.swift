/// What `ReplicationSetup.checkServer` found.
public struct ServerReport: Sendable, Equatable {
    /// `PQserverVersion`, e.g. 150018.
    public var serverVersion: Int
    public var walLevel: String
    public var maxReplicationSlots: Int
    public var usedReplicationSlots: Int
    public var maxWALSenders: Int
    public var usedWALSenders: Int
    public var role: String
    /// The role may open replication connections (REPLICATION or superuser).
    public var canReplicate: Bool
    public var serverEncoding: String
    /// Whether the slot named in the check exists already (then it needs no free slot).
    public var slotExists: Bool

    public init(
        serverVersion: Int, walLevel: String, maxReplicationSlots: Int, usedReplicationSlots: Int, maxWALSenders: Int,
        usedWALSenders: Int, role: String, canReplicate: Bool, serverEncoding: String, slotExists: Bool
    ) {
        self.serverVersion = serverVersion
        self.walLevel = walLevel
        self.maxReplicationSlots = maxReplicationSlots
        self.usedReplicationSlots = usedReplicationSlots
        self.maxWALSenders = maxWALSenders
        self.usedWALSenders = usedWALSenders
        self.role = role
        self.canReplicate = canReplicate
        self.serverEncoding = serverEncoding
        self.slotExists = slotExists
    }

    /// Each problem as one sentence saying what is wrong and how to fix it; empty when ready.
    public var problems: [String] {
        var problems: [String] = []
        if walLevel != "logical" {
            problems.append(
                "wal_level is '\(walLevel)'; set wal_level = logical in postgresql.conf "
                    + "(or ALTER SYSTEM SET wal_level = logical) and restart PostgreSQL")
        }
        if !slotExists && usedReplicationSlots >= maxReplicationSlots {
            problems.append(
                maxReplicationSlots == 0
                    ? "max_replication_slots is 0; set max_replication_slots = 10 in postgresql.conf and restart PostgreSQL"
                    : "all \(maxReplicationSlots) replication slots are in use (max_replication_slots = \(maxReplicationSlots)); "
                        + "drop unused ones (SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active) "
                        + "or raise max_replication_slots and restart PostgreSQL")
        }
        if usedWALSenders >= maxWALSenders {
            problems.append(
                "all \(maxWALSenders) WAL senders are in use (max_wal_senders = \(maxWALSenders)); "
                    + "raise max_wal_senders in postgresql.conf and restart PostgreSQL")
        }
        if !canReplicate {
            problems.append(
                "role '\(role)' may not start replication; run ALTER ROLE \(TableName.quote(role)) REPLICATION as a superuser, "
                    + "or connect as a role that has it")
        }
        if serverEncoding != "UTF8" {
            problems.append(
                "the database's encoding is '\(serverEncoding)'; qactl reads changes as UTF-8: create the database with ENCODING 'UTF8'")
        }
        return problems
    }
}
