import Foundation

/// The `electric-cursor` of live responses: a cache-buster that moves forward
/// every long-poll interval, so a CDN never serves the same empty live answer twice.
public enum LiveCursor {
    /// 2024-10-09T00:00:00Z, Electric's cursor epoch.
    public static let epoch = Date(timeIntervalSince1970: 1_728_432_000)

    /// `ceil(S/T)*T` for S seconds since the epoch and interval T; if that is not
    /// past the request's cursor, the request's cursor plus 1…3600.
    public static func next(after requestCursor: String?, interval: Duration = .seconds(20), now: Date = Date()) -> UInt64 {
        let seconds = UInt64(max(0, now.timeIntervalSince(epoch)))
        let step = UInt64(max(1, interval.components.seconds))
        let candidate = (seconds + step - 1) / step * step
        let previous = requestCursor.flatMap { UInt64($0) } ?? 0
        if candidate > previous { return candidate }
        return previous &+ UInt64.random(in: 1...3600)
    }
}
