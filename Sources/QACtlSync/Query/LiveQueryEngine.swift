/// The incremental core of a ``LiveQuery``: keeps the matching rows sorted and
/// updates them key by key, so a one-row change costs a binary search, not a sort.
struct LiveQueryEngine {
    let filter: (@Sendable (Row) -> Bool)?
    let order: [SortKey]
    let limit: Int?

    /// Rows that pass the filter, by key.
    private var matching: [String: Row] = [:]
    /// Keys of `matching` in result order (ties broken by key, so positions are unique).
    private var sorted: [(values: [SortValue], key: String)] = []
    /// The keys of `sorted`, kept in step with it (so the result needs no rebuild).
    private var sortedKeys: [String] = []
    private var window: [String] = []
    private var started = false
    private var lastStatus: CollectionStatus?

    init(filter: (@Sendable (Row) -> Bool)?, order: [SortKey], limit: Int?) {
        self.filter = filter
        self.order = order
        self.limit = limit.map { max(0, $0) }
    }

    /// Takes a collection snapshot; returns the new result, or nil when it did not change.
    mutating func apply(_ snapshot: CollectionSnapshot) -> LiveQueryUpdate? {
        let previousWindow = window
        let previousRows = matching
        if !started || snapshot.isInitial {
            started = true
            matching = snapshot.rows.filter { filter?($0.value) ?? true }
            let order = self.order
            sorted = matching.map { (order.map($0.value.sortValues), $0.key) }.sorted { Self.precedes($0, $1, order: order) }
            sortedKeys = sorted.map(\.key)
        } else {
            for key in snapshot.changedKeys {
                let old = matching[key]
                let new = snapshot.rows[key].flatMap { row in filter?(row) ?? true ? row : nil }
                if let old { remove(key, values: order.map(old.sortValues)) }
                if let new { insert(key, values: order.map(new.sortValues)) }
                matching[key] = new
            }
        }
        window = limit.map { Array(sortedKeys.prefix($0)) } ?? sortedKeys

        let inserted: [String], deleted: [String], updated: [String], moved: Bool
        if limit == nil && !snapshot.isInitial && started {
            // Without a limit the window is every match: only changed keys can
            // enter, leave or change, so look at those alone.
            let changed = snapshot.changedKeys
            // Reported in result order (deleted ones in their former order).
            inserted = inResultOrder(changed.filter { previousRows[$0] == nil && matching[$0] != nil }, rows: matching)
            deleted = inResultOrder(changed.filter { previousRows[$0] != nil && matching[$0] == nil }, rows: previousRows)
            updated = inResultOrder(changed.filter { previousRows[$0] != nil && matching[$0] != nil && previousRows[$0] != matching[$0] }, rows: matching)
            moved = !updated.isEmpty
        } else {
            let before = Set(previousWindow)
            let after = Set(window)
            inserted = window.filter { !before.contains($0) }
            deleted = previousWindow.filter { !after.contains($0) }
            let candidates = snapshot.isInitial ? window : window.filter { snapshot.changedKeys.contains($0) }
            updated = candidates.filter { before.contains($0) && previousRows[$0] != matching[$0] }
            moved = window != previousWindow
        }
        let update = LiveQueryUpdate(
            keys: window, rowsByKey: matching, inserted: inserted, updated: updated, deleted: deleted, status: snapshot.status)
        // Same rows in the same order: nothing to tell, unless the status moved
        // (an empty shape going loading → ready is news).
        if !snapshot.isInitial && inserted.isEmpty && deleted.isEmpty && updated.isEmpty && !moved && snapshot.status == lastStatus {
            return nil
        }
        lastStatus = snapshot.status
        return update
    }

    /// `keys` sorted as the result orders them, by their rows in `rows`.
    private func inResultOrder(_ keys: [String], rows: [String: Row]) -> [String] {
        guard keys.count > 1 else { return keys }
        let order = self.order
        return keys.compactMap { key in rows[key].map { (values: order.map($0.sortValues), key: key) } }
            .sorted { Self.precedes($0, $1, order: order) }.map(\.key)
    }

    private mutating func insert(_ key: String, values: [SortValue]) {
        let index = position(of: (values, key))
        sorted.insert((values, key), at: index)
        sortedKeys.insert(key, at: index)
    }

    private mutating func remove(_ key: String, values: [SortValue]) {
        let index = position(of: (values, key))
        if index < sorted.count, sorted[index].key == key {
            sorted.remove(at: index)
            sortedKeys.remove(at: index)
        } else if let found = sorted.firstIndex(where: { $0.key == key }) {
            // Only if a row's sort value changed behind our back; never expected.
            sorted.remove(at: found)
            sortedKeys.remove(at: found)
        }
    }

    /// The first index whose entry does not precede `entry` (binary search).
    private func position(of entry: (values: [SortValue], key: String)) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if precedes(sorted[middle], entry) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private func precedes(_ left: (values: [SortValue], key: String), _ right: (values: [SortValue], key: String)) -> Bool {
        Self.precedes(left, right, order: order)
    }

    private static func precedes(
        _ left: (values: [SortValue], key: String), _ right: (values: [SortValue], key: String), order: [SortKey]
    ) -> Bool {
        for index in left.values.indices where index < right.values.count {
            let (a, b) = (left.values[index], right.values[index])
            if a == b { continue }
            let descending = index < order.count && order[index].descending
            // Postgres: NULLS LAST ascending, NULLS FIRST descending; `<` puts null last, so flip both together.
            return descending ? b < a : a < b
        }
        return left.key < right.key
    }
}

extension Row {
    fileprivate func sortValues(_ key: SortKey) -> SortValue { key.value(of: self) }
}
