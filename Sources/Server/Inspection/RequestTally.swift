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

    private struct State {
        var routes: [String: Route] = [:]
        /// (second since 1970, route) of recent requests, oldest first.
        var recent: [(second: Int, route: String)] = []
    }

    private let state = Mutex(State())

    func record(route: String, status: Int) {
        let second = Int(Date().timeIntervalSince1970)
        state.withLock { state in
            var entry = state.routes[route] ?? Route(route: route)
            entry.requests += 1
            if status >= 400 && status != 409 && status != 499 { entry.errors += 1 }
            state.routes[route] = entry
            state.recent.append((second, route))
            // Keep about a minute: drop what is older in batches, not one by one.
            if state.recent.count > 1024, let first = state.recent.first, first.second < second - 60 {
                state.recent.removeAll { $0.second < second - 60 }
            }
        }
    }

    /// Every route seen, busiest first.
    func routes() -> [Route] {
        let second = Int(Date().timeIntervalSince1970)
        return state.withLock { state in
            var minute: [String: Int] = [:]
            for entry in state.recent where entry.second >= second - 60 { minute[entry.route, default: 0] += 1 }
            return state.routes.values.map { route in
                var route = route
                route.lastMinute = minute[route.route] ?? 0
                return route
            }.sorted { ($0.requests, $1.route) > ($1.requests, $0.route) }
        }
    }
}
