import SyncModel
/// Names the row a PostgreSQL change touched, as `table:key`.
///
/// pgoutput's Relation message flags the replica identity columns, not the
/// primary key, and with `REPLICA IDENTITY FULL` every column is flagged; so
/// the primary-key columns come from the catalog (``primaryKeys``). The key is:
///
/// 1. the primary-key values: `items:i-1`, or `pairs:(1,2)` for a composite key;
/// 2. else the row's `id` column: `events:42`;
/// 3. else the replica identity as column=value pairs (the whole old row with
///    `REPLICA IDENTITY FULL`; the new row for an insert): `logs:(at=10:00, msg=hi)`.
///
/// An update that changes the key shows both: `items:i-1→i-9`.
public struct RowKeys: Sendable, Equatable {
    /// Primary-key columns by table name (`table` in `public`, else `schema.table`), in key order.
    public var primaryKeys: [String: [String]]

    /// Keys read with these primary keys.
    public init(primaryKeys: [String: [String]] = [:]) {
        self.primaryKeys = primaryKeys
    }

    /// `table:key` for `change`.
    public func key(for change: RowChange) -> String {
        let new = change.new.flatMap { key(change.table, $0) }
        let old = change.old.flatMap { key(change.table, $0) }
        let shown: String
        switch (old, new) {
        case (let old?, let new?) where old != new:
            shown = old + "→" + new
        case (_, let new?): shown = new
        case (let old?, nil): shown = old
        case (nil, nil): shown = identity(change.old ?? change.new ?? [:])
        }
        return change.table + ":" + shown
    }

    /// The key of `row` by primary key, then `id`; nil when neither is in the row.
    private func key(_ table: String, _ row: [String: String?]) -> String? {
        if let columns = primaryKeys[table], !columns.isEmpty {
            let values = columns.map { row[$0] }
            if values.allSatisfy({ $0 != nil }) {
                let texts = values.map { ($0 ?? nil) ?? "NULL" }
                return texts.count == 1 ? texts[0] : "(" + texts.joined(separator: ",") + ")"
            }
        }
        if let id = row["id"] { return id ?? "NULL" }
        return nil
    }

    /// `(a=1, b=x)`, columns by name, long values cut: a row without a key still gets a readable name.
    private func identity(_ row: [String: String?]) -> String {
        let pairs = row.keys.sorted().map { column -> String in
            let value = (row[column] ?? nil) ?? "NULL"
            return column + "=" + (value.count > 40 ? String(value.prefix(39)) + "…" : value)
        }
        return "(" + pairs.joined(separator: ", ") + ")"
    }
}
