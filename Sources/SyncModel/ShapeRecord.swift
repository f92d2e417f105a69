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
    /// The snapshot's body chunks (JSON message lists without brackets),
    /// when saving. A loaded record leaves them in the store (read one at a
    /// time with ``ShapeSource/snapshotChunk(handle:index:)``) and gives their sizes.
    public let chunks: [Data]
    /// The size of each chunk in bytes.
    public let chunkSizes: [Int]

    public init(handle: String, definition: Data, replayFrom: Int64, visibility: SnapshotVisibility, chunks: [Data]) {
        self.init(handle: handle, definition: definition, replayFrom: replayFrom, visibility: visibility, chunks: chunks, chunkSizes: chunks.map(\.count))
    }

    public init(handle: String, definition: Data, replayFrom: Int64, visibility: SnapshotVisibility, chunkSizes: [Int]) {
        self.init(handle: handle, definition: definition, replayFrom: replayFrom, visibility: visibility, chunks: [], chunkSizes: chunkSizes)
    }

    private init(handle: String, definition: Data, replayFrom: Int64, visibility: SnapshotVisibility, chunks: [Data], chunkSizes: [Int]) {
        self.handle = handle
        self.definition = definition
        self.replayFrom = replayFrom
        self.visibility = visibility
        self.chunks = chunks
        self.chunkSizes = chunkSizes
    }
}
