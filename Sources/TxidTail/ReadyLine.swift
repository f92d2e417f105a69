import ChangeFeed

/// Says that the tail is following: every transaction committed from now on will be printed.
///
/// ```text
/// following messages(conversationId=c-1) at http://127.0.0.1:8787 from offset 41_2
/// {"type":"ready","source":"shape","shape":"messages(conversationId=c-1)","server":"http://127.0.0.1:8787","offset":"41_2"}
/// {"type":"ready","source":"postgres","database":"postgres://postgres@127.0.0.1:5432/app","slot":"qactl_tail_1f2e","publication":"qactl_tail_1f2e","lsn":24198216,"pgLSN":"0/1713C48"}
/// ```
public enum ReadyLine: Sendable, Equatable {
    /// Following `shape` at `server`, from `offset`.
    case shape(shape: String, server: String, offset: String)
    /// Following `database` (password redacted) through a temporary `slot` and `publication`, from `lsn`.
    case postgres(database: String, slot: String, publication: String, lsn: UInt64)
}

extension ReadyLine: TailLineRepresentable {
    /// `following … from …`: on stderr in text mode.
    public func text(color: Bool) -> String {
        switch self {
        case .shape(let shape, let server, let offset):
            "following \(shape) at \(server) from offset \(offset)"
        case .postgres(let database, let slot, let publication, let lsn):
            "following \(database) through temporary slot \(slot) and publication \(publication) from \(LSN.format(lsn))"
        }
    }

    /// `{"type":"ready",…}`: on stdout with `--json`.
    public var json: String {
        var line = JSONLine(type: "ready")
        switch self {
        case .shape(let shape, let server, let offset):
            line.add("source", "shape")
            line.add("shape", shape)
            line.add("server", server)
            line.add("offset", offset)
        case .postgres(let database, let slot, let publication, let lsn):
            line.add("source", "postgres")
            line.add("database", database)
            line.add("slot", slot)
            line.add("publication", publication)
            line.add("lsn", lsn)
            line.add("pgLSN", LSN.format(lsn))
        }
        return line.text
    }
}
