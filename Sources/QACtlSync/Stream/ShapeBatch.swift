import ShapeWire

/// Where a shape subscription stands: enough to resume it later.
///
/// ```swift
/// let resume = ShapePosition(handle: "12345-1732870000", offset: Offset("26800584_4")!, schema: schemaJSON)
/// ```
public struct ShapePosition: Sendable, Hashable {
    /// The shape handle (`electric-handle`).
    public var handle: String
    /// The offset to request next (`electric-offset` of the last applied response).
    public var offset: Offset
    /// The raw `electric-schema` JSON, when known.
    public var schema: String?

    /// A position from its parts.
    public init(handle: String, offset: Offset, schema: String? = nil) {
        self.handle = handle
        self.offset = offset
        self.schema = schema
    }
}

/// Everything a shape delivered up to one `up-to-date`: apply it atomically.
///
/// A batch always ends at an up-to-date; the messages of the responses before
/// it (snapshot chunks, catch-up pages) are held back until then.
public struct ShapeBatch: Sendable, Hashable {
    /// The changes, in log order.
    public let changes: [ChangeMessage]
    /// True when the batch began at offset `-1`: it is the whole shape, and
    /// replaces any rows held before (first sync, or after a must-refetch).
    public let replacesRows: Bool
    /// Every txid carried by the batch's changes.
    public let txids: Set<UInt64>
    /// Bounds from `snapshot-end` messages in the batch.
    public let snapshots: [SnapshotBounds]
    /// `global_last_seen_lsn` of the closing up-to-date message, if it had one.
    public let globalLastSeenLSN: String?
    /// Where the stream stands after this batch: persist it with the rows to resume.
    public let position: ShapePosition

    /// A batch, as tests and custom streams build one.
    public init(
        changes: [ChangeMessage], replacesRows: Bool, txids: Set<UInt64>, snapshots: [SnapshotBounds],
        globalLastSeenLSN: String?, position: ShapePosition
    ) {
        self.changes = changes
        self.replacesRows = replacesRows
        self.txids = txids
        self.snapshots = snapshots
        self.globalLastSeenLSN = globalLastSeenLSN
        self.position = position
    }
}

/// What a ``ShapeStream`` tells its consumer.
public enum ShapeEvent: Sendable, Hashable {
    /// Changes up to an up-to-date.
    case batch(ShapeBatch)
    /// The shape was invalidated (409) or the offset is out of bounds: drop
    /// every resume point; the next batch replaces all rows.
    case mustRefetch(reason: String)
}
