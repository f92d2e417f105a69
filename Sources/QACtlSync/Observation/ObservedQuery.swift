import Observation

/// A ``LiveQuery``'s result as Observation state, on the main actor: a
/// SwiftUI view that reads ``rows`` re-renders on every change to the result.
///
/// ```swift
/// struct Thread: View {
///     let messages: ObservedQuery   // ObservedQuery(collection.liveQuery(orderBy: [.ascending("created_at", as: .timestamp)]))
///     var body: some View {
///         List(messages.rows, id: \.self) { row in Text(row["content"] ?? "") }
///     }
/// }
/// ```
///
/// It follows the query from creation until it is released.
@MainActor @Observable
public final class ObservedQuery {
    /// The query followed.
    public let query: LiveQuery
    /// The matching rows, in the query's order, at most its limit.
    public private(set) var rows: [Row] = []
    /// The rows' keys, in the same order.
    public private(set) var keys: [String] = []
    /// The collection's status: an empty result while ``CollectionStatus/loading`` means "not known yet".
    public private(set) var status: CollectionStatus = .idle
    @ObservationIgnored private let following = TaskCancellation()

    /// Follows `query`'s updates.
    public init(_ query: LiveQuery) {
        self.query = query
        following.hold(Task { [weak self] in
            for await update in query.updates() {
                guard let self else { return }
                self.rows = update.rows
                self.keys = update.keys
                if self.status != update.status { self.status = update.status }
            }
        })
    }
}
