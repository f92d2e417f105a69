/// One optimistic change to one row.
enum Mutation: Sendable, Hashable {
    /// A whole new row (or a whole replacement).
    case insert(Row)
    /// Columns to change on the existing row.
    case update(Row)
    case delete

    /// `self` followed by `next` on the same row, as one change; nil when they
    /// cancel out (an insert then a delete).
    func followed(by next: Mutation) -> Mutation? {
        switch (self, next) {
        case (.insert(let row), .update(let changes)): .insert(row.merging(changes))
        case (.insert, .delete): nil
        case (.update(let changes), .update(let more)): .update(changes.merging(more))
        case (_, .insert(let row)): .insert(row)
        case (_, .delete): .delete
        case (.delete, .update): .delete
        }
    }
}

/// The changes a ``Transaction/mutate(_:)`` call records, keyed like the collection.
///
/// ```swift
/// try await transaction.mutate { draft in
///     try draft.insert(["id": "q-1", "role": "user", "content": "Why?"])
///     draft.update("a-0", ["status": "failed"])
///     draft.delete("old-1")
/// }
/// ```
public struct TransactionDraft: Sendable {
    let keyColumns: [String]
    /// Keys in the order first touched, and each key's merged change.
    private(set) var order: [String] = []
    private(set) var changes: [String: Mutation] = [:]

    init(keyColumns: [String]) {
        self.keyColumns = keyColumns
    }

    /// This draft followed by `later`: what two `mutate` calls amount to.
    func followed(by later: TransactionDraft) -> TransactionDraft {
        var merged = self
        for key in later.order {
            if let mutation = later.changes[key] { merged.record(key, mutation) }
        }
        return merged
    }

    /// Inserts `row`; its key comes from the collection's key columns.
    public mutating func insert(_ row: Row) throws {
        guard let key = RowKey.make(row, columns: keyColumns) else {
            throw TransactionError(
                .missingKey, "the row lacks key column(s) \(keyColumns.joined(separator: ", ")): \(row)")
        }
        record(key, .insert(row))
    }

    /// Changes `changes`' columns of the row at `key`.
    public mutating func update(_ key: String, _ changes: Row) {
        record(key, .update(changes))
    }

    /// Deletes the row at `key`.
    public mutating func delete(_ key: String) {
        record(key, .delete)
    }

    /// The keys this draft touches.
    public var keys: [String] { order.filter { changes[$0] != nil } }

    private mutating func record(_ key: String, _ mutation: Mutation) {
        if let earlier = changes[key] {
            changes[key] = earlier.followed(by: mutation)
        } else {
            if !order.contains(key) { order.append(key) }
            changes[key] = mutation
        }
    }
}

/// A collection key from a row's key columns.
enum RowKey {
    /// One column: its value. Several: the values joined by `/` (with `/` doubled inside values).
    static func make(_ row: Row, columns: [String]) -> String? {
        if columns.count == 1 { return row[columns[0]] }
        var parts: [String] = []
        for column in columns {
            guard let value = row[column] else { return nil }
            parts.append(value.replacingOccurrences(of: "/", with: "//"))
        }
        return parts.joined(separator: "/")
    }
}
