/// A new live-query result and how it differs from the previous one.
public struct LiveQueryUpdate: Sendable, Hashable {
    /// The matching rows, in order, at most `limit` (built on access: an
    /// update costs O(changed rows), not O(result)).
    public var rows: [Row] { keys.compactMap { rowsByKey[$0] } }
    /// Their keys, same order.
    public let keys: [String]
    /// Every matching row by key (shared with the engine, not copied).
    public let rowsByKey: [String: Row]
    /// Keys now in the result that were not (every key in the first update).
    public let inserted: [String]
    /// Keys in both results whose row changed.
    public let updated: [String]
    /// Keys that left the result.
    public let deleted: [String]
    /// The collection's status: an empty result while `loading` means "not known yet".
    public let status: CollectionStatus
}

/// Filter, order and limit over a collection's visible rows, kept up to date.
///
/// ```swift
/// let thread = messages.liveQuery(orderBy: [.ascending("created_at", as: .timestamp)])
/// for await update in thread.updates() {
///     for key in update.inserted { print("new:", key) }
///     render(update.rows)
/// }
///
/// let failed = messages.liveQuery(where: { $0["status"] == "failed" }, limit: 10)
/// ```
///
/// Each change is applied key by key (a binary search per changed row), not by
/// re-sorting the whole collection.
public final class LiveQuery: Sendable {
    /// The rows it reads.
    public let collection: SyncCollection
    /// Which rows to keep (all when nil).
    public let filter: (@Sendable (Row) -> Bool)?
    /// Result order; ties are broken by key, so the order is total.
    public let order: [SortKey]
    /// At most this many rows (all when nil).
    public let limit: Int?
    /// The same query for the server: on an on-demand collection, the rows it
    /// needs are loaded as this subset when ``updates()`` starts.
    public let subset: SubsetQuery?

    /// A query over `collection`; see also ``SyncCollection/liveQuery(where:orderBy:limit:)``.
    public init(collection: SyncCollection, where filter: (@Sendable (Row) -> Bool)? = nil, orderBy order: [SortKey] = [], limit: Int? = nil) {
        self.collection = collection
        self.filter = filter
        self.order = order
        self.limit = limit
        self.subset = nil
    }

    /// A query whose filter, order and limit also run on the server: on an
    /// on-demand collection it loads exactly its rows (a subset snapshot).
    public init(collection: SyncCollection, _ subset: SubsetQuery) {
        self.collection = collection
        self.filter = subset.filter.map { filter in { @Sendable row in filter.matches(row) } }
        self.order = subset.orderBy
        self.limit = subset.limit
        self.subset = subset
    }

    /// The current result, then one update per change that alters it.
    /// Ending the iteration stops following the collection.
    public func updates() -> AsyncStream<LiveQueryUpdate> {
        let (stream, continuation) = AsyncStream.makeStream(of: LiveQueryUpdate.self, bufferingPolicy: .unbounded)
        let engine = LiveQueryEngine(filter: filter, order: order, limit: limit)
        let collection = collection
        let subset = subset
        let task = Task {
            // On demand, the rows come when a query asks (the collection asks once per subset).
            if let subset, collection.syncMode == .onDemand { Task { try? await collection.load(subset) } }
            var engine = engine
            for await snapshot in await collection.changes() {
                if let update = engine.apply(snapshot) { continuation.yield(update) }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

extension SyncCollection {
    /// A ``LiveQuery`` over this collection.
    public nonisolated func liveQuery(
        where filter: (@Sendable (Row) -> Bool)? = nil, orderBy order: [SortKey] = [], limit: Int? = nil
    ) -> LiveQuery {
        LiveQuery(collection: self, where: filter, orderBy: order, limit: limit)
    }

    /// A ``LiveQuery`` that also runs on the server: on an on-demand
    /// collection, its rows are loaded as a subset snapshot.
    ///
    /// ```swift
    /// let thread = messages.liveQuery(SubsetQuery(where: .equals("conversation_id", "c-1"),
    ///                                             orderBy: [.descending("created_at", as: .timestamp)], limit: 50))
    /// ```
    public nonisolated func liveQuery(_ subset: SubsetQuery) -> LiveQuery {
        LiveQuery(collection: self, subset)
    }
}
