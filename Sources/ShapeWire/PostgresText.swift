import Foundation

/// Postgres text forms of values, as Electric sends them.
public enum PostgresText {
    /// `2026-11-29 10:00:00.123456+00`: timestamptz in UTC with microseconds.
    public static func timestamp(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
        return timestamp(microsecondsSinceEpoch: micros)
    }

    public static func timestamp(microsecondsSinceEpoch micros: Int64) -> String {
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let fraction = micros - seconds * 1_000_000
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let fractionText = String(fraction)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d.%@+00",
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec),
            String(repeating: "0", count: 6 - fractionText.count) + fractionText
        )
    }
}
