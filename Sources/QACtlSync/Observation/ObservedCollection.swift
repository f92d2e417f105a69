import Observation

/// A collection's visible rows and sync status as Observation state, on the
/// main actor: a SwiftUI view that reads ``rows`` or ``status`` re-renders when
/// they change, with no glue code.
///
/// ```swift
/// struct ConversationList: View {
///     let conversations: ObservedCollection   // ObservedCollection(collection)
///     var body: some View {
///         List(conversations.rows.values.sorted { $0["title"] ?? "" < $1["title"] ?? "" }, id: \.self) { row in
///             Text(row["title"] ?? "")
///                 .opacity(conversations.optimisticKeys.contains(row["id"] ?? "") ? 0.5 : 1)
///         }
///         .overlay { if conversations.status == .loading && conversations.rows.isEmpty { ProgressView() } }
///     }
/// }
/// ```
///
/// It follows the collection from creation until it is released; the
/// collection itself must be started (``SyncCollection/start()``) to sync.
@MainActor @Observable
public final class ObservedCollection {
    /// The collection followed.
    public let collection: SyncCollection
    /// Every visible row by key: synced rows with optimistic changes applied.
    public private(set) var rows: [String: Row] = [:]
    /// Keys shown with an unconfirmed optimistic value (or hidden by an optimistic delete).
    public private(set) var optimisticKeys: Set<String> = []
    /// Where the sync stands.
    public private(set) var status: CollectionStatus = .idle
    /// Why the stream stopped, once ``status`` is ``CollectionStatus/error``.
    public private(set) var lastError: (any Error)?
    @ObservationIgnored private let following = TaskCancellation()

    /// Follows `collection`'s changes; the first values arrive after one hop to the collection.
    public init(_ collection: SyncCollection) {
        self.collection = collection
        following.hold(Task { [weak self] in
            for await snapshot in await collection.changes() {
                let error = snapshot.status == .error ? await collection.lastError : nil
                guard let self else { return }
                // Assign only what changed: each assignment notifies the views that read it.
                if !snapshot.changedKeys.isEmpty || snapshot.isInitial { self.rows = snapshot.rows }
                if self.optimisticKeys != snapshot.optimisticKeys { self.optimisticKeys = snapshot.optimisticKeys }
                if self.status != snapshot.status { self.status = snapshot.status }
                if snapshot.status == .error { self.lastError = error }
            }
        })
    }
}
