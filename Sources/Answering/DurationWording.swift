/// Durations in failure reasons, written the way the command line takes them (`2m`, `30s`, `500ms`).
enum DurationWording {
    /// `2m`, `1m30s`, `45s`, `500ms`, `1500ms`: whole units when the duration has them, milliseconds otherwise.
    static func text(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = max(0, seconds) * 1000 + max(0, attoseconds) / 1_000_000_000_000_000
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

    /// The duration as whole milliseconds, for clocks and timers that count in them.
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(0, seconds) * 1000 + max(0, attoseconds) / 1_000_000_000_000_000
    }
}
