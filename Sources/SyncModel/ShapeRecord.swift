import Foundation
/// A shape as persisted, so that it survives a restart with its handle,
/// snapshot and position: its log is rebuilt from the change log after
/// `replayFrom`, skipping what `visibility` says the snapshot holds.
public struct ShapeRecord: Sendable {
    public let handle: String
    /// The shape definition, encoded by the sync service.
    public let definition: Data
    /// The change-log sequence the sync service had applied when the shape was created.
    public let replayFrom: Int64
    public let visibility: SnapshotVisibility
    /// The snapshot's body chunks (JSON message lists without brackets).
    public let chunks: [Data]

    public init(handle: String, definition: Data, replayFrom: Int64, visibility: SnapshotVisibility, chunks: [Data]) {
        self.handle = handle
        self.definition = definition
        self.replayFrom = replayFrom
        self.visibility = visibility
        self.chunks = chunks
    }
}
