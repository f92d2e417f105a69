import SyncModel
/// Finds the shapes a change can concern without looking at every shape.
///
/// A shape whose `where` has a top-level `column = constant` term is indexed by
/// (table, column, value); a change is offered only to the shapes indexed under
/// its old or new value of that column, plus the table's unindexed shapes. One
/// write therefore costs O(matching shapes), not O(all shapes).
struct ShapeRouter {
    private var indexed: [String: [String: [String: Set<String>]]] = [:]
    private var unindexed: [String: Set<String>] = [:]

    mutating func add(handle: String, resolved: ResolvedShape) {
        let table = resolved.table.name
        if let term = resolved.clause?.equalityTerms.first {
            indexed[table, default: [:]][term.column, default: [:]][term.value, default: []].insert(handle)
        } else {
            unindexed[table, default: []].insert(handle)
        }
    }

    mutating func remove(handle: String, resolved: ResolvedShape) {
        let table = resolved.table.name
        if let term = resolved.clause?.equalityTerms.first {
            indexed[table]?[term.column]?[term.value]?.remove(handle)
            if indexed[table]?[term.column]?[term.value]?.isEmpty == true {
                indexed[table]?[term.column]?[term.value] = nil
            }
        } else {
            unindexed[table]?.remove(handle)
        }
    }

    /// Handles of shapes that may be affected by any change of `transaction`.
    func candidates(for transaction: CommittedTransaction) -> Set<String> {
        var result = Set<String>()
        for change in transaction.changes {
            if let all = unindexed[change.table] { result.formUnion(all) }
            guard let byColumn = indexed[change.table] else { continue }
            for (column, byValue) in byColumn {
                if let value = change.old?[column] ?? nil, let handles = byValue[value] { result.formUnion(handles) }
                if let value = change.new?[column] ?? nil, let handles = byValue[value] { result.formUnion(handles) }
            }
        }
        return result
    }
}
