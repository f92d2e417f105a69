import Foundation

/// A shape as persisted, so that it survives a restart with its handle,
/// snapshot and position: its log is rebuilt from the change log after
/// `snapshotSequence`.
public struct ShapeRecord: Sendable {
    public let handle: String
    /// The shape definition, encoded by the sync service.
    public let definition: Data
    public let snapshotSequence: Int64
    public let snapshotLSN: UInt64
    public let xmin: UInt64
    public let xmax: UInt64
    /// The snapshot's body chunks (JSON message lists without brackets).
    public let chunks: [Data]

    public init(handle: String, definition: Data, snapshotSequence: Int64, snapshotLSN: UInt64, xmin: UInt64, xmax: UInt64, chunks: [Data]) {
        self.handle = handle
        self.definition = definition
        self.snapshotSequence = snapshotSequence
        self.snapshotLSN = snapshotLSN
        self.xmin = xmin
        self.xmax = xmax
        self.chunks = chunks
    }
}
