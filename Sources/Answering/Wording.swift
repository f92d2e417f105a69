/// Durations and sizes in failure reasons, written the way the command line takes them.
enum Wording {
    /// `2m`, `1m30s`, `45s`, `500ms`, `1500ms`: whole units when the duration has them, milliseconds otherwise.
    static func duration(_ duration: Duration) -> String {
        let milliseconds = milliseconds(duration)
        guard milliseconds % 1000 == 0, milliseconds > 0 else { return "\(milliseconds)ms" }
        var remaining = milliseconds / 1000
        var text = ""
        for (suffix, size) in [("h", Int64(3600)), ("m", 60), ("s", 1)] {
            let count = remaining / size
            remaining %= size
            if count > 0 { text += "\(count)\(suffix)" }
        }
        return text
    }

    /// The duration as whole milliseconds (negative durations count as zero).
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = max(0, seconds).multipliedReportingOverflow(by: 1000)
        guard !overflow else { return .max }
        return whole + max(0, attoseconds) / 1_000_000_000_000_000
    }

    /// A year in milliseconds: longer timeouts are treated as this long, which keeps timer
    /// arithmetic (in nanoseconds) from overflowing.
    static let aYear: Int64 = 365 * 86_400_000

    /// `1 MiB`, `64 KiB`, `100 bytes`.
    static func size(_ bytes: Int) -> String {
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}
