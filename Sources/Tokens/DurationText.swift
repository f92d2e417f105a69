import Foundation

/// Durations written the way people type them: `5m`, `30s`, `250ms`, `1h30m`, `2d`.
public enum DurationText {
    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]

    /// The longest duration ``parse(_:)`` accepts: 100 years. Nothing here needs
    /// more, and every deadline, clock and token date holds it (a token's `exp`
    /// must be before the year 10000; NIO's deadlines count nanoseconds in 64 bits).
    public static let maximum: Duration = .seconds(100 * 365 * 86_400)

    /// Parses `5m`, `1h30m`, `250ms`, `2d`. A bare number is seconds. Nil when
    /// malformed, negative or longer than ``maximum``.
    public static func parse(_ text: String) -> Duration? {
        guard let duration = parseUnbounded(text), duration <= maximum else { return nil }
        return duration
    }

    private static func parseUnbounded(_ text: String) -> Duration? {
        let text = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !text.isEmpty else { return nil }
        if let seconds = Int64(text), seconds >= 0 { return .seconds(seconds) }
        var total: Int64 = 0
        var rest = Substring(text)
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix(while: { $0.isLetter })
            guard let unit = units.first(where: { $0.suffix == letters }) else { return nil }
            rest = rest.dropFirst(letters.count)
            let (product, overflow) = value.multipliedReportingOverflow(by: unit.milliseconds)
            guard !overflow else { return nil }
            let (sum, overflow2) = total.addingReportingOverflow(product)
            guard !overflow2 else { return nil }
            total = sum
        }
        return .milliseconds(total)
    }

    /// ``format(_:)`` for a number of seconds, such as the distance between two
    /// dates; its sign is ignored, and what does not fit a `Duration` is clamped.
    public static func format(seconds: Double) -> String {
        let magnitude = abs(seconds)
        guard magnitude.isFinite else { return "forever" }
        return format(.seconds(min(magnitude, 1e15).rounded()))
    }

    /// `4m12s`, `3h`, `11h59m`, `250ms`: at most the two largest non-zero units.
    public static func format(_ duration: Duration) -> String {
        let ms = abs(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
        if ms < 1000 { return "\(ms)ms" }
        var remaining = ms / 1000
        var parts: [String] = []
        for (suffix, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60), ("s", 1)] {
            let count = remaining / size
            remaining %= size
            if count > 0 || !parts.isEmpty { parts.append("\(count)\(suffix)") }
        }
        return parts.prefix(2).filter { !$0.hasPrefix("0") }.joined()
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    public var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
