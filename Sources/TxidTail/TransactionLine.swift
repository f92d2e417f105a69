import ChangeFeed

/// One committed transaction, as one line of output.
///
/// Shape mode (`txid` from the change headers, no commit time on the wire):
///
/// ```text
/// txid 752  offset 41_2  insert 2  update 0  delete 0  keys q-1, a-1
/// {"type":"transaction","source":"shape","txid":752,"txids":[752],"offset":"41_2","lsn":41,"insert":2,"update":0,"delete":0,"tables":["messages"],"keys":["q-1","a-1"],"delayMs":null}
/// ```
///
/// PostgreSQL mode (32-bit xid, commit LSN, delay since the commit timestamp):
///
/// ```text
/// xid 751  lsn 24198216 (0/1713C48)  insert 2  update 1  delete 0  tables items  keys items:i-1, items:i-2  delay 12ms
/// ```
public struct TransactionLine: TailLineRepresentable, Equatable {
    /// Which mode produced the line.
    public enum Source: String, Sendable {
        case shape, postgres
    }

    /// Shape or PostgreSQL.
    public var source: Source
    /// The transaction's id: the first of the changes' `txids` (shape), the 32-bit xid (PostgreSQL).
    public var txid: UInt64?
    /// Every txid the changes carried (shape mode; usually one).
    public var txids: [UInt64]
    /// The shape offset of the transaction's last change, `<lsn>_<op>` (shape mode).
    public var offset: String?
    /// The commit position: the `lsn` header (shape), the commit LSN (PostgreSQL).
    public var lsn: UInt64?
    /// How many changes were inserts, updates and deletes (of the shape's
    /// rows in shape mode, where a move into or out of the shape's `where`
    /// arrives as an insert or a delete).
    public var inserts: Int
    public var updates: Int
    public var deletes: Int
    /// The tables changed, in order of first change.
    public var tables: [String]
    /// The changed rows' keys, in order of first change, each once.
    public var keys: [String]
    /// Now minus the commit time, when the commit time is known (PostgreSQL mode only).
    public var delayMilliseconds: Int64?

    /// A line from its parts.
    public init(
        source: Source, txid: UInt64?, txids: [UInt64] = [], offset: String? = nil, lsn: UInt64?,
        inserts: Int, updates: Int, deletes: Int, tables: [String], keys: [String], delayMilliseconds: Int64? = nil
    ) {
        self.source = source
        self.txid = txid
        self.txids = txids
        self.offset = offset
        self.lsn = lsn
        self.inserts = inserts
        self.updates = updates
        self.deletes = deletes
        self.tables = tables
        self.keys = keys
        self.delayMilliseconds = delayMilliseconds
    }

    /// The line for people.
    public func text(color: Bool) -> String {
        let paint = Paint(enabled: color)
        var parts: [String] = []
        let ids = txids.count > 1 ? txids.map(String.init).joined(separator: ",") : txid.map(String.init) ?? "?"
        switch source {
        case .shape:
            parts.append(paint.dim(txids.count > 1 ? "txids" : "txid") + " " + paint.bold(ids))
            if let offset { parts.append(paint.dim("offset") + " " + offset) }
        case .postgres:
            parts.append(paint.dim("xid") + " " + paint.bold(ids))
            if let lsn { parts.append(paint.dim("lsn") + " \(lsn) (\(LSN.format(lsn)))") }
        }
        parts.append(paint.counts(insert: inserts, update: updates, delete: deletes))
        if source == .postgres, !tables.isEmpty { parts.append(paint.dim("tables") + " " + tables.joined(separator: ", ")) }
        if !keys.isEmpty { parts.append(paint.dim("keys") + " " + paint.cyan(Paint.keyList(keys))) }
        if let delayMilliseconds { parts.append(paint.dim("delay") + " " + Paint.delay(milliseconds: delayMilliseconds)) }
        return parts.joined(separator: "  ")
    }

    /// The line as one JSON object; `delayMs` is `null` when the commit time is unknown.
    public var json: String {
        var line = JSONLine(type: "transaction")
        line.add("source", source.rawValue)
        line.add("txid", txid)
        if source == .shape {
            line.add("txids", numbers: txids)
            line.add("offset", offset)
            line.add("lsn", lsn)
        } else {
            line.add("lsn", lsn)
            line.add("pgLSN", lsn.map(LSN.format))
        }
        line.add("insert", inserts)
        line.add("update", updates)
        line.add("delete", deletes)
        line.add("tables", strings: tables)
        line.add("keys", strings: keys)
        line.add("delayMs", delayMilliseconds)
        return line.text
    }
}
