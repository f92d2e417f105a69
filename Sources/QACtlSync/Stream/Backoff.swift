import Foundation

/// Full-jitter exponential backoff: the n-th retry waits a random time between
/// zero and `min(maxDelay, initialDelay × multiplierⁿ)`, and never less than a
/// server's `Retry-After`.
///
/// ```swift
/// var configuration = ShapeStreamConfiguration(url: url)
/// configuration.backoff = Backoff(initialDelay: .milliseconds(100), maxDelay: .seconds(5))
/// ```
public struct Backoff: Sendable, Hashable {
    /// The ceiling of the first wait.
    public var initialDelay: Duration
    /// The largest ceiling.
    public var maxDelay: Duration
    /// How much the ceiling grows per retry (at least 1).
    public var multiplier: Double

    /// Electric's TypeScript client defaults: 1 s, doubling, up to 32 s.
    public init(initialDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(32), multiplier: Double = 2) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.multiplier = max(1, multiplier)
    }

    /// The wait before retry number `attempt` (0 for the first retry).
    public func delay(attempt: Int, retryAfter: Duration? = nil) -> Duration {
        let initial = Self.seconds(initialDelay)
        let cap = Self.seconds(maxDelay)
        let ceiling = min(cap, initial * pow(multiplier, Double(min(attempt, 64))))
        let jittered = Double.random(in: 0...max(0, ceiling))
        // A server's Retry-After is a floor; an absurd one is capped at ten minutes.
        let floor = retryAfter.map { min(Self.seconds($0), 600) } ?? 0
        return .milliseconds(Int64(max(jittered, floor) * 1000))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Parses a `Retry-After` header: delay-seconds or an HTTP date.
    static func retryAfter(_ header: String?, now: Date = Date()) -> Duration? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = Int64(header) { return .seconds(max(0, seconds)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: header) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
    }
}
