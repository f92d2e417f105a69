import Foundation
import Synchronization

/// Request counts by route for the inspector: totals, errors (status ≥ 400
/// other than 409, the shape protocol's normal refetch) and the last minute.
final class RequestTally: Sendable {
    struct Route: Sendable, Codable, Equatable {
        let route: String
        var requests = 0
        var errors = 0
        /// Requests in the last 60 s.
        var lastMinute = 0
    }

    /// One second's requests by route.
    private struct Bucket {
        var second = 0
        var counts: [String: Int] = [:]
    }

    private struct State {
        var routes: [String: Route] = [:]
        /// The last minute, one bucket per second (slot `second % 60`): O(1) per request.
        var buckets = [Bucket](repeating: Bucket(), count: 60)
    }

    private let state = Mutex(State())

    func record(route: String, status: Int) {
        let second = Int(Date().timeIntervalSince1970)
        state.withLock { state in
            var entry = state.routes[route] ?? Route(route: route)
            entry.requests += 1
            if status >= 400 && status != 409 && status != 499 { entry.errors += 1 }
            state.routes[route] = entry
            let slot = second % 60
            if state.buckets[slot].second != second { state.buckets[slot] = Bucket(second: second) }
            state.buckets[slot].counts[route, default: 0] += 1
        }
    }

    /// Every route seen, busiest first.
    func routes() -> [Route] {
        let second = Int(Date().timeIntervalSince1970)
        return state.withLock { state in
            var minute: [String: Int] = [:]
            for bucket in state.buckets where bucket.second > second - 60 {
                for (route, count) in bucket.counts { minute[route, default: 0] += count }
            }
            return state.routes.values.map { route in
                var route = route
                route.lastMinute = minute[route.route] ?? 0
                return route
            }.sorted { ($0.requests, $1.route) > ($1.requests, $0.route) }
        }
    }
}
