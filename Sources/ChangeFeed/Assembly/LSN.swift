/// PostgreSQL's text form of a WAL position (`16/B374D848`), which
/// replication commands take and `pg_current_wal_lsn()` shows.
public enum LSN {
    /// `0x16_B374_D848` → `"16/B374D848"`.
    public static func format(_ lsn: UInt64) -> String {
        String(lsn >> 32, radix: 16, uppercase: true) + "/" + String(lsn & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }

    /// `"16/B374D848"` → `0x16_B374_D848`; nil unless two 1–8 digit hex halves.
    public static func parse(_ text: String) -> UInt64? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ (1...8).contains($0.count) && $0.allSatisfy(\.isHexDigit) }),
            let high = UInt64(parts[0], radix: 16), let low = UInt64(parts[1], radix: 16)
        else { return nil }
        return high << 32 | low
    }
}
