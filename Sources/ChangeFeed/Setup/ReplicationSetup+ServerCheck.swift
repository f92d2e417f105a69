extension ReplicationSetup {
    /// Checks that the server can stream logical replication to qactl:
    /// `wal_level = logical`, a free replication slot (unless `slotName`
    /// exists), a free WAL sender, a role with REPLICATION (or superuser) and
    /// a UTF8 database. Throws `ChangeFeedError(.serverNotReady)` listing every
    /// problem, one per line, each with its fix.
    @discardableResult
    public func checkServer(slotName: String? = nil) async throws -> ServerReport {
        if let slotName { try ReplicationName.validate(slotName, what: "slot") }
        let report = try await withConnection { connection -> ServerReport in
            let sql = """
                SELECT current_setting('wal_level'),
                       current_setting('max_replication_slots'),
                       (SELECT count(*) FROM pg_replication_slots)::text,
                       current_setting('max_wal_senders'),
                       (SELECT count(*) FROM pg_stat_replication)::text,
                       current_user::text,
                       (SELECT (rolreplication OR rolsuper)::text FROM pg_roles WHERE rolname = current_user),
                       current_setting('server_encoding'),
                       (SELECT count(*) FROM pg_replication_slots WHERE slot_name = $1)::text
                """
            let row = try connection.query(sql, [slotName ?? ""]).first ?? []
            func text(_ index: Int) -> String { index < row.count ? row[index] ?? "" : "" }
            func number(_ index: Int) -> Int { Int(text(index)) ?? 0 }
            return ServerReport(
                serverVersion: Int(connection.serverVersion), walLevel: text(0),
                maxReplicationSlots: number(1), usedReplicationSlots: number(2),
                maxWALSenders: number(3), usedWALSenders: number(4),
                role: text(5), canReplicate: text(6) == "true", serverEncoding: text(7), slotExists: number(8) > 0)
        }
        let problems = report.problems
        guard problems.isEmpty else {
            throw ChangeFeedError(.serverNotReady, problems.joined(separator: "\n"))
        }
        return report
    }
}
