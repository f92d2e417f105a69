import QACtlSync

/// A shape's initial snapshot, summarised in one line (`--from start`): its
/// rows carry no txid, so they are not transactions of their own.
///
/// ```text
/// snapshot  3 rows  xmin 57  xmax 57  keys c-1, c-2, c-3
/// {"type":"snapshot","source":"shape","rows":3,"tables":["conversations"],"keys":["c-1","c-2","c-3"],"xmin":57,"xmax":57,"xip":[]}
/// ```
public struct SnapshotLine: TailLineRepresentable, Equatable {
    /// How many rows the snapshot holds.
    public var rows: Int
    /// The shape's table.
    public var tables: [String]
    /// The rows' primary-key values (see ``ShapeKeys``).
    public var keys: [String]
    /// The `snapshot-end` bounds: which transactions the snapshot already holds.
    public var bounds: SnapshotBounds?

    /// A summary from its parts.
    public init(rows: Int, tables: [String], keys: [String], bounds: SnapshotBounds?) {
        self.rows = rows
        self.tables = tables
        self.keys = keys
        self.bounds = bounds
    }

    /// The line for people.
    public func text(color: Bool) -> String {
        let paint = Paint(enabled: color)
        var parts = [paint.bold("snapshot"), "\(rows) \(rows == 1 ? "row" : "rows")"]
        if let bounds {
            parts.append(paint.dim("xmin") + " \(bounds.xmin)")
            parts.append(paint.dim("xmax") + " \(bounds.xmax)")
            if !bounds.inProgress.isEmpty {
                parts.append(paint.dim("in progress") + " " + bounds.inProgress.sorted().map(String.init).joined(separator: ", "))
            }
        }
        if !keys.isEmpty { parts.append(paint.dim("keys") + " " + paint.cyan(Paint.keyList(keys))) }
        return parts.joined(separator: "  ")
    }

    /// The line as one JSON object.
    public var json: String {
        var line = JSONLine(type: "snapshot")
        line.add("source", "shape")
        line.add("rows", rows)
        line.add("tables", strings: tables)
        line.add("keys", strings: keys)
        line.add("xmin", bounds?.xmin)
        line.add("xmax", bounds?.xmax)
        line.add("xip", numbers: bounds?.inProgress.sorted() ?? [])
        return line.text
    }
}
