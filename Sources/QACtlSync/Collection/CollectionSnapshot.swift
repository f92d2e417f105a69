/// Where a collection's sync stands.
///
/// `ready` means the rows reflect the server as of the last up-to-date: an
/// empty ready collection has no rows, while a loading one does not know yet.
public enum CollectionStatus: String, Sendable, Hashable {
    /// Not started, or stopped.
    case idle
    /// Started; the first up-to-date has not been applied yet (rows from a
    /// saved replica may already be shown).
    case loading
    /// At least one up-to-date batch applied.
    case ready
    /// The stream stopped on a failure retrying cannot fix; see ``SyncCollection/lastError``.
    case error
}

/// What a collection shows after a change: the visible rows and what changed.
///
/// ```swift
/// for await snapshot in await collection.changes() {
///     render(snapshot.rows.values.sorted { $0["created_at"] ?? "" < $1["created_at"] ?? "" })
/// }
/// ```
public struct CollectionSnapshot: Sendable {
    /// Every visible row by key: synced rows with optimistic changes applied.
    public let rows: [String: Row]
    /// Keys whose row appeared, changed or went away since the previous
    /// snapshot (every key on the first snapshot an observer gets).
    public let changedKeys: Set<String>
    /// Keys currently shown with an optimistic (unconfirmed) value, or hidden by an optimistic delete.
    public let optimisticKeys: Set<String>
    /// The collection's status at this point.
    public let status: CollectionStatus
    /// True for the first snapshot of a ``SyncCollection/changes()`` sequence.
    public let isInitial: Bool
}
