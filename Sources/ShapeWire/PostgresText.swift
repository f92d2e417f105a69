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
        // Digits written by hand: String(format:) costs microseconds per call,
        // and every send formats two of these.
        let year = Int(parts.tm_year) + 1900
        return String(unsafeUninitializedCapacity: 32) { buffer in
            var index = 0
            func put(_ value: Int, digits: Int) {
                var value = value
                for position in stride(from: index + digits - 1, through: index, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                index += digits
            }
            func put(_ character: Unicode.Scalar) {
                buffer[index] = UInt8(ascii: character)
                index += 1
            }
            if year > 9999 {
                put(year, digits: String(year).utf8.count)
            } else {
                put(max(year, 0), digits: 4)
            }
            put("-"); put(Int(parts.tm_mon) + 1, digits: 2); put("-"); put(Int(parts.tm_mday), digits: 2)
            put(" "); put(Int(parts.tm_hour), digits: 2); put(":"); put(Int(parts.tm_min), digits: 2)
            put(":"); put(Int(parts.tm_sec), digits: 2); put("."); put(Int(fraction), digits: 6)
            put("+"); put(0, digits: 2)
            return index
        }
    }
}
