/// The JSON messages of a shape response body, as Electric 1.x writes them.
public enum ShapeMessage {
    public enum Operation: String, Sendable {
        case insert, update, delete
    }

    /// `["schema","table"]`.
    public static func relation(_ table: TableSchema) -> String {
        "[" + JSONText.quoted(table.schema) + "," + JSONText.quoted(table.name) + "]"
    }

    /// A snapshot row: only `operation` and `relation` in its headers.
    public static func snapshotRow(key: String, value: String, relation: String) -> String {
        "{\"key\":" + JSONText.quoted(key) + ",\"value\":" + value
            + ",\"headers\":{\"operation\":\"insert\",\"relation\":" + relation + "}}"
    }

    /// Appends a snapshot row to `out`, building nothing in between (the
    /// initial sync of a large shape is mostly this). A subset snapshot's rows
    /// also carry its `snapshot_mark`.
    public static func appendSnapshotRow(_ row: [String: String?], table: TableSchema, columns: [String], relation: String,
                                         snapshotMark: Int? = nil, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"key":"#.utf8)
        JSONText.appendQuoted(table.rowKey(row), to: &out)
        out.append(contentsOf: #","value":"#.utf8)
        JSONText.appendRow(row, columns: columns, to: &out)
        out.append(contentsOf: #","headers":{"operation":"insert","relation":"#.utf8)
        out.append(contentsOf: relation.utf8)
        if let snapshotMark { out.append(contentsOf: #","snapshot_mark":\#(snapshotMark)"#.utf8) }
        out.append(contentsOf: "}}".utf8)
    }

    /// A replicated change with `lsn`, `op_position`, `txids` and, on the
    /// transaction's last change for this shape, `last: true`.
    public static func change(
        key: String, operation: Operation, value: String, oldValue: String?, relation: String,
        lsn: UInt64, opPosition: Int64, txid: UInt64, last: Bool
    ) -> String {
        var out = "{\"key\":" + JSONText.quoted(key) + ",\"value\":" + value
        if let oldValue { out += ",\"old_value\":" + oldValue }
        out += ",\"headers\":{\"operation\":\"" + operation.rawValue + "\",\"relation\":" + relation
        out += ",\"lsn\":\"\(lsn)\",\"op_position\":\(opPosition),\"txids\":[\(txid)]"
        if last { out += ",\"last\":true" }
        return out + "}}"
    }

    public static func upToDate(globalLastSeenLSN: UInt64) -> String {
        "{\"headers\":{\"control\":\"up-to-date\",\"global_last_seen_lsn\":\"\(globalLastSeenLSN)\"}}"
    }

    /// Ends the initial snapshot with its transaction bounds (64-bit, as strings).
    public static func snapshotEnd(xmin: UInt64, xmax: UInt64, xip: [UInt64]) -> String {
        "{\"headers\":{\"control\":\"snapshot-end\",\"xmin\":\"\(xmin)\",\"xmax\":\"\(xmax)\",\"xip_list\":["
            + xip.map { "\"\($0)\"" }.joined(separator: ",") + "]}}"
    }

    /// The whole body of a 409.
    public static let mustRefetchBody = "[{\"headers\":{\"control\":\"must-refetch\"}}]"
}

/// Header names of the shape protocol.
public enum ShapeHeader {
    public static let handle = "electric-handle"
    public static let offset = "electric-offset"
    public static let schema = "electric-schema"
    public static let cursor = "electric-cursor"
    public static let upToDate = "electric-up-to-date"
    public static let hasData = "electric-has-data"
    /// `true` on a subset snapshot's answer.
    public static let snapshot = "electric-snapshot"

    /// Every header a browser client must be able to read (CORS expose list).
    public static let exposed = [cursor, handle, hasData, offset, schema, snapshot, upToDate, "retry-after"]

    public enum CacheControl {
        public static let initial = "public, max-age=604800, s-maxage=3600, stale-while-revalidate=2629746"
        public static let catchUp = "public, max-age=60, stale-while-revalidate=300"
        public static let live = "public, max-age=5, stale-while-revalidate=5"
        public static let mustRefetch = "public, max-age=60, must-revalidate"
        public static let mustRefetchWithoutHandle = "public, max-age=1, must-revalidate"
        /// Answers to a POST (subset snapshots): never reused.
        public static let uncached = "no-cache"
        public static let error = "no-store"
    }
}
