import ChangeFeed

/// A committed `TRUNCATE` (PostgreSQL mode): pgoutput sends no rows and no
/// per-row keys for it, so it gets a line of its own.
///
/// ```text
/// truncate  lsn 24198216 (0/1713C48)  tables items
/// {"type":"truncate","source":"postgres","lsn":24198216,"pgLSN":"0/1713C48","tables":["items"]}
/// ```
public struct TruncateLine: Sendable, Equatable {
    /// The truncated tables (`table` in `public`, else `schema.table`).
    public var tables: [String]
    /// The commit LSN.
    public var lsn: UInt64

    /// A truncate of `tables` committed at `lsn`.
    public init(tables: [String], lsn: UInt64) {
        self.tables = tables
        self.lsn = lsn
    }
}

extension TruncateLine: TailLineRepresentable {
    /// `truncate  lsn … (X/Y)  tables …`.
    public func text(color: Bool) -> String {
        let paint = Paint(enabled: color)
        return [paint.red("truncate"), paint.dim("lsn") + " \(lsn) (\(LSN.format(lsn)))", paint.dim("tables") + " " + tables.joined(separator: ", ")]
            .joined(separator: "  ")
    }

    /// `{"type":"truncate",…}`.
    public var json: String {
        var line = JSONLine(type: "truncate")
        line.add("source", "postgres")
        line.add("lsn", lsn)
        line.add("pgLSN", LSN.format(lsn))
        line.add("tables", strings: tables)
        return line.text
    }
}
