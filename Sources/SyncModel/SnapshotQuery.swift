import ShapeWhere

/// What a snapshot reads: a shape's initial rows, or a subset of them a client
/// asked for (ordered, limited).
public struct SnapshotQuery: Sendable {
    /// Rows the database may return: exactly the wanted ones when
    /// `filter.exact`, else a superset that `keep` narrows.
    public var filter: SQLFilter?
    /// The exact test, run on every row the database returns; nil when
    /// `filter` is exact (or absent: every row).
    public var keep: (@Sendable ([String: String?]) -> Bool)?
    /// False for a shape that syncs changes only: its snapshot has no rows,
    /// only the position they start from.
    public var includeRows: Bool
    /// An `ORDER BY` list built from identifiers only (``OrderByClause/sql(tiebreak:)``).
    public var orderBy: String?
    public var limit: Int?
    public var offset: Int

    public init(filter: SQLFilter?, keep: (@Sendable ([String: String?]) -> Bool)?, includeRows: Bool = true,
                orderBy: String? = nil, limit: Int? = nil, offset: Int = 0) {
        self.filter = filter
        self.keep = keep
        self.includeRows = includeRows
        self.orderBy = orderBy
        self.limit = limit
        self.offset = offset
    }

    /// LIMIT and OFFSET can go to the database only when it returns exactly
    /// the wanted rows; otherwise they apply after `keep`.
    public var pushesLimitDown: Bool { keep == nil }

    /// Collects rows read in the query's order: applies `keep`, then the
    /// offset and limit when the database could not.
    public func collector() -> SnapshotRows { SnapshotRows(query: self) }
}

/// The rows of a snapshot as they are read (see ``SnapshotQuery/collector()``).
public struct SnapshotRows {
    let query: SnapshotQuery
    private var skipped = 0
    public private(set) var rows: [[String: String?]] = []

    init(query: SnapshotQuery) {
        self.query = query
    }

    /// False once `limit` rows are kept: the reader can stop.
    public var wantsMore: Bool { query.limit.map { rows.count < $0 } ?? true }

    public mutating func offer(_ row: [String: String?]) {
        if let keep = query.keep, !keep(row) { return }
        if !query.pushesLimitDown, skipped < query.offset {
            skipped += 1
            return
        }
        rows.append(row)
    }
}
