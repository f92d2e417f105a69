import PostgresStore
import Prometheus
import Synchronization
import SyncService

/// The Prometheus metrics `GET /metrics` exposes, kept in a registry per server
/// (no process-global state, so several servers can share a process).
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// The same requests, counted for the inspector.
    let tally = RequestTally()
    private static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5), .seconds(25),
    ]

    private func descriptor(_ name: String, unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "qactl", metricName: name, unitName: unit, helpText: help)
    }

    /// Counts one HTTP request and records how long it took.
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        tally.record(route: route, status: status)
        let key = RequestSeries(route: route, method: method, status: status)
        // The registry builds names and looks labels up on every call: once per series is enough.
        let series = requestSeries.withLock { $0[key] } ?? makeRequestSeries(key)
        series.count.increment()
        series.duration.record(duration)
    }

    private struct RequestSeries: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    private let requestSeries = Mutex<[RequestSeries: (count: Counter, duration: DurationHistogram)]>([:])

    private func makeRequestSeries(_ key: RequestSeries) -> (count: Counter, duration: DurationHistogram) {
        let made = (
            count: registry.makeCounter(
                descriptor: descriptor("http_requests", unit: "total", help: "HTTP requests by route, method and status."),
                labels: [("route", key.route), ("method", key.method), ("status", String(key.status))]),
            duration: registry.makeDurationHistogram(
                descriptor: descriptor("http_request_duration", unit: "seconds", help: "HTTP request latency by route (live polls include their hold)."),
                labels: [("route", key.route), ("method", key.method)], buckets: Self.latencyBuckets))
        // The registry answers the same objects for the same labels, so a race here loses nothing.
        requestSeries.withLock { $0[key] = made }
        return made
    }

    /// Counts one finished answer by outcome (`completed`, `failed`).
    func recordAnswer(outcome: String) {
        registry.makeCounter(
            descriptor: descriptor("answers", unit: "total", help: "Answers generated, by outcome."), labels: [("outcome", outcome)]
        ).increment()
    }

    private let slotGauges = Mutex<[String: Gauge]>([:])
    private let lastSlots = Mutex<(slots: [ReplicationSlots.Slot], own: String)?>(nil)

    /// The qactl slots as last seen (for the inspector), and this instance's own.
    var slots: (slots: [ReplicationSlots.Slot], own: String)? { lastSlots.withLock { $0 } }

    /// WAL each qactl replication slot keeps, by slot and whether it is in use;
    /// slots that are gone leave the exposition.
    func recordSlots(_ slots: [ReplicationSlots.Slot], own: String) {
        lastSlots.withLock { $0 = (slots, own) }
        slotGauges.withLock { gauges in
            var seen: [String: Gauge] = [:]
            for slot in slots {
                let labels = [("slot", slot.name), ("active", String(slot.isActive)), ("this_instance", String(slot.name == own))]
                let key = labels.map(\.1).joined(separator: "|")
                let gauge = gauges[key] ?? registry.makeGauge(
                    descriptor: descriptor("replication_slot_retained", unit: "bytes", help: "WAL the server keeps for each qactl replication slot."),
                    labels: labels)
                gauge.set(Double(slot.retainedBytes ?? 0))
                seen[key] = gauge
            }
            for (key, gauge) in gauges where seen[key] == nil { registry.unregisterGauge(gauge) }
            gauges = seen
        }
    }

    /// The exposition text, with the sync service's gauges read at scrape time.
    func exposition(sync: SyncService?) async -> String {
        if let sync {
            let stats = await sync.statistics
            registry.makeGauge(descriptor: descriptor("shapes", help: "Live shapes.")).set(Double(stats.shapes))
            registry.makeGauge(descriptor: descriptor("shape_live_polls", help: "Long-polls waiting for changes.")).set(Double(stats.waitingPolls))
            registry.makeGauge(descriptor: descriptor("replication_lag", unit: "seconds", help: "Commit-to-sync delay of the last applied transaction."))
                .set(stats.lastApplyLag.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 } ?? 0)
        }
        return registry.emitToString()
    }
}
