/// Timestamps read as Postgres reads `timestamptz` and `timestamp` input, so that
/// they compare by the instant they name, not by their text: `2026-12-04T00:00:00Z`
/// (as TanStack DB sends dates) is before `2026-12-04 13:18:55.277987+00` (as
/// Postgres and the embedded store write them), and `…14:00:00+02` is 12:00 UTC.
///
/// Accepted: `YYYY-MM-DD`, then optionally `T` or a space and `HH:MM[:SS[.fraction]]`,
/// then optionally a zone (`Z`, `UTC`, `±HH`, `±HH:MM`, `±HHMM`, `±HH:MM:SS`, after
/// an optional space); `infinity` and `-infinity`. A zone is ignored for
/// `timestamp` (as Postgres does); none means UTC for `timestamptz`. Years before 1
/// (BC) and other Postgres spellings (`epoch`, `now`, month names) are not read.
enum WhereTimestamp {
    /// Microseconds since 1970-01-01 00:00 UTC (`timestamp`: of the wall-clock time
    /// as if it were UTC); `Int64.min`/`max` for ∓infinity; nil when not a timestamp.
    static func microseconds(_ text: String, zoned: Bool) -> Int64? {
        let trimmed = text.trimmingASCIISpaces()
        switch trimmed.lowercased() {
        case "infinity", "+infinity": return Int64.max
        case "-infinity": return Int64.min
        default: break
        }
        var reader = Reader(Array(trimmed.utf8))
        guard let year = reader.digits(min: 4, max: 6), reader.take("-"),
              let month = reader.digits(min: 2, max: 2), reader.take("-"),
              let day = reader.digits(min: 2, max: 2),
              year >= 1, (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else { return nil }
        var seconds = Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400
        var micros: Int64 = 0
        if reader.take("T") || reader.take("t") || (reader.peek == UInt8(ascii: " ") && reader.peekDigit(at: 1)) {
            if reader.peek == UInt8(ascii: " ") { reader.skip() }
            guard let hour = reader.digits(min: 1, max: 2), reader.take(":"), let minute = reader.digits(min: 2, max: 2) else { return nil }
            var second = 0
            if reader.take(":") {
                guard let whole = reader.digits(min: 2, max: 2) else { return nil }
                second = whole
                if reader.take(".") {
                    guard let fraction = reader.fraction() else { return nil }
                    micros = fraction
                }
            }
            // Postgres allows 24:00:00 (the next midnight) and a leap second of 60.
            guard hour <= 24, minute <= 59, second <= 60, hour < 24 || (minute == 0 && second == 0 && micros == 0) else { return nil }
            seconds += Int64(hour * 3600 + minute * 60 + second)
        }
        if reader.peek == UInt8(ascii: " ") { reader.skip() }
        if !reader.atEnd {
            guard let offset = reader.zoneOffsetSeconds(), reader.atEnd else { return nil }
            if zoned { seconds -= Int64(offset) }
        }
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        guard !overflow else { return nil }
        let (sum, overflowAgain) = product.addingReportingOverflow(micros)
        return overflowAgain ? nil : sum
    }

    private static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index == bytes.count }
        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        func peekDigit(at offset: Int) -> Bool {
            index + offset < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index + offset])
        }

        mutating func skip() { index += 1 }

        mutating func take(_ character: Unicode.Scalar) -> Bool {
            guard peek == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        mutating func digits(min: Int, max: Int) -> Int? {
            var value = 0, count = 0
            while count < max, peekDigit(at: 0) {
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                index += 1
                count += 1
            }
            return count >= min ? value : nil
        }

        /// Up to microseconds, rounded half up as Postgres does; any number of digits.
        mutating func fraction() -> Int64? {
            var micros: Int64 = 0, count = 0, roundUp = false
            while peekDigit(at: 0) {
                let digit = Int64(bytes[index] - UInt8(ascii: "0"))
                if count < 6 { micros = micros * 10 + digit } else if count == 6 { roundUp = digit >= 5 }
                index += 1
                count += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<max(count, 6) { micros *= 10 }
            return micros + (roundUp ? 1 : 0)
        }

        /// `Z`, `UTC`, `±HH`, `±HHMM`, `±HH:MM`, `±HH:MM:SS`: seconds east of UTC.
        mutating func zoneOffsetSeconds() -> Int? {
            if take("Z") || take("z") { return 0 }
            if bytes[index...].elementsEqual("UTC".utf8) || bytes[index...].elementsEqual("utc".utf8) {
                index = bytes.count
                return 0
            }
            let sign: Int
            if take("+") { sign = 1 } else if take("-") { sign = -1 } else { return nil }
            guard let hours = digits(min: 2, max: 2), hours <= 15 else { return nil }
            var minutes = 0, seconds = 0
            if take(":") {
                guard let value = digits(min: 2, max: 2) else { return nil }
                minutes = value
                if take(":") {
                    guard let value = digits(min: 2, max: 2) else { return nil }
                    seconds = value
                }
            } else if let value = digits(min: 2, max: 2) {
                minutes = value
            }
            guard minutes <= 59, seconds <= 59 else { return nil }
            return sign * (hours * 3600 + minutes * 60 + seconds)
        }
    }
}
