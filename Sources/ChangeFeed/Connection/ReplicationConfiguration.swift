/// Where and how to stream changes from.
///
/// ```swift
/// let configuration = ReplicationConfiguration(
///     url: "postgres://qactl@127.0.0.1:5432/app", slotName: "qactl", publicationName: "qactl")
/// ```
public struct ReplicationConfiguration: Sendable {
    /// A `postgres://` or `postgresql://` URL; `replication=database` is added.
    public var url: String
    /// The logical slot, created with the pgoutput plugin when missing. `[a-z0-9_]+`.
    public var slotName: String
    /// The publication naming the streamed tables (see `ReplicationSetup.ensurePublication`). `[a-z0-9_]+`.
    public var publicationName: String
    /// A temporary slot disappears when the connection closes: nothing is kept
    /// for a feed that is down, so nothing piles up, but changes made while it
    /// is down are lost. A persistent slot keeps WAL until the feed confirms it.
    public var temporarySlot: Bool
    /// Resume after this position: the LSN of the last checkpoint the consumer
    /// confirmed. 0 starts where the slot's last confirmation left off.
    public var startLSN: UInt64
    /// `RowChange.sequence` values are greater than this: pass the last
    /// sequence you applied when resuming.
    public var sequenceFloor: Int64
    /// Shown in `pg_stat_replication` and the server log.
    public var applicationName: String
    /// The slot belongs to a consumer that resumes from its own records
    /// (`startLSN`): once it has a position, a missing or invalidated slot, or
    /// one whose confirmed position is past `startLSN`, means changes were
    /// lost, so the connection fails with `ChangeFeedError.slotLost` instead
    /// of creating a new slot and carrying on over the gap. A consumer with
    /// no position yet (`startLSN` 0) gets the slot created.
    public var slotMustExist: Bool
    /// Set by `ReplicationFeed` after a `slotLost`: drop what is left of the
    /// slot and create it anew.
    var replacesLostSlot = false

    public init(
        url: String, slotName: String, publicationName: String, temporarySlot: Bool = false,
        startLSN: UInt64 = 0, sequenceFloor: Int64 = 0, applicationName: String = "qactl", slotMustExist: Bool = false
    ) {
        self.url = url
        self.slotName = slotName
        self.publicationName = publicationName
        self.temporarySlot = temporarySlot
        self.startLSN = startLSN
        self.sequenceFloor = sequenceFloor
        self.applicationName = applicationName
        self.slotMustExist = slotMustExist
    }

    func validate() throws {
        try ReplicationName.validate(slotName, what: "slot")
        try ReplicationName.validate(publicationName, what: "publication")
    }
}

/// Slot and publication names go into replication commands, which the
/// walsender parses with its own grammar and which take no bound parameters:
/// only names that need no quoting are accepted.
enum ReplicationName {
    static func validate(_ name: String, what: String) throws {
        let allowed = name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
        guard !name.isEmpty, name.utf8.count <= 63, allowed else {
            throw ChangeFeedError(
                .invalidName,
                "\(what) name '\(name)' must be 1 to 63 characters of lowercase letters, digits and underscores ([a-z0-9_]+)")
        }
    }
}
