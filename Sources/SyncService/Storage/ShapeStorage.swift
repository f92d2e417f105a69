import ShapeWire

/// Where a shape's log entries go once they leave its in-memory tail.
///
/// A ``ShapeLog`` appends whole transactions to its tail; when the tail
/// grows past its bound (or the service checkpoints every shape) the tail
/// is written out as one ``ShapeStorageBlock`` and dropped from memory.
/// Reads of older entries come back through ``reader()``.
protocol ShapeStorage: AnyObject {
    /// Writes `entries` (whole transactions, in offset order) after the
    /// blocks already stored and says where they went.
    func append(_ entries: [ShapeLog.Entry]) throws -> ShapeStorageBlock
    /// What reads the entries of a block written by ``append(_:)``, from
    /// any thread (off the service's actor).
    func reader() -> ShapeBlockReader
    /// What makes every block appended so far durable, to run off the
    /// service's actor (nil when nothing needs it). Taking it counts as synced.
    func takeSync() -> (@Sendable () throws -> Void)?
    /// Creates the (empty) storage of a new shape, so that a restart can
    /// tell a log with nothing in it from one that was lost.
    func create() throws
    /// The blocks stored before this process started (a torn last block is
    /// cut off), each entry's offset and size passed to `visit` in order.
    /// Throws if the storage is missing.
    func load(visit: (Offset, Int) -> Void) throws -> [ShapeStorageBlock]
    /// Deletes everything stored (the shape was dropped).
    func remove()
}

/// Reads one stored block; safe to call from any thread.
typealias ShapeBlockReader = @Sendable (ShapeStorageBlock) throws -> [ShapeLog.Entry]

/// One run of stored entries, as the log indexes it.
struct ShapeStorageBlock: Sendable {
    let first: Offset
    let last: Offset
    /// Where its header starts in the storage.
    let position: Int64
    /// Header and payload.
    let length: Int
    let count: Int
}
