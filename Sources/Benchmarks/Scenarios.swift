import AppModel
import Foundation
import NIOCore
import ShapeWire
import Synchronization
import SyncService
/// The benchmark scenarios of `qactl bench`.
public enum BenchmarkScenario: String, Sendable, CaseIterable {
    case writeToPoll = "write-to-poll"
    case sendToVisible = "send-to-visible"
    case sustained
    case fanout
    case idleMemory = "idle-memory"
    case soak
    case dataDir = "data-dir"
    case routing
    case initialSync = "initial-sync"
    case pgSendToVisible = "pg-send-to-visible"
    case pgSustained = "pg-sustained"
    case pgDecode = "pg-decode"
    case clientSnapshot = "client-snapshot"
    case liveQuery = "live-query"
    case answers
    case onDemand = "on-demand"
    case sse

    /// Runs the scenario on a fresh in-process server. `quick` shrinks the sizes
    /// (for a smoke run); the targets are stated for the full sizes.
    public func run(quick: Bool) async throws -> BenchmarkResult {
        switch self {
        case .writeToPoll: try await Self.writeToPoll(iterations: quick ? 50 : 300)
        case .sendToVisible: try await Self.closedLoop(users: 1, postgres: false, quick: quick)
        case .sustained: try await Self.closedLoop(users: 32, postgres: false, quick: quick)
        case .fanout: try await Self.fanout(shapes: quick ? 100 : 1000, rate: 500, seconds: quick ? 2 : 6)
        case .idleMemory: try await Self.idleMemory(shapes: quick ? 100 : 1000, polls: quick ? 1000 : 10_000)
        case .soak: try await Self.soak(users: quick ? 8 : 50, seconds: quick ? 20 : 150)
        case .dataDir: try await Self.dataDirSize(users: 32, seconds: quick ? 5 : 40)
        case .routing: try await Self.routing(small: 10, large: quick ? 1000 : 10_000, iterations: quick ? 40 : 200)
        case .initialSync: try await Self.initialSync(rows: quick ? 10_000 : 100_000)
        case .pgSendToVisible: try await Self.closedLoop(users: 1, postgres: true, quick: quick)
        case .pgSustained: try await Self.closedLoop(users: 8, postgres: true, quick: quick)
        case .pgDecode: try await Self.pgDecode(rows: quick ? 20_000 : 200_000)
        case .clientSnapshot: try await Self.clientSnapshot(rows: quick ? 20_000 : 100_000)
        case .liveQuery: try await Self.liveQueryChange(rows: 10_000, iterations: quick ? 50 : 300)
        case .answers: Self.builtinAnswers()
        case .onDemand: try await Self.onDemand(rows: quick ? 100_000 : 1_000_000, perConversation: 1000, iterations: quick ? 50 : 200)
        case .sse: try await Self.sseLatency(iterations: quick ? 50 : 300)
        }
    }

    // MARK: - fan-out

    /// `shapes` live long-polls over HTTP on `qactl serve` in its own process,
    /// and `rate` sends per second through the API to random ones of them.
    static func fanout(shapes: Int, rate: Int, seconds: Int) async throws -> BenchmarkResult {
        try await ServeProcess.with(arguments: ["--max-connections", "\(shapes + 512)"]) { server in
        let client = BenchmarkClient(baseURL: server.baseURL, secret: ServeProcess.secret, connections: shapes + 256)
        defer { Task { await client.shutdown() } }
        let auth = try await createConversations(shapes, prefix: "f", server: server, client: client)
        let subscriptions = try await withThrowingTaskGroup(of: BenchmarkClient.Subscription.self) { group in
            var result: [BenchmarkClient.Subscription] = []
            for index in 0..<shapes {
                if index >= 32 { result.append(try await group.next()!) }
                group.addTask { try await client.subscribe(query: BenchmarkRows.messagesQuery("f-\(index)")) }
            }
            for try await subscription in group { result.append(subscription) }
            return result
        }

        let recorder = DeliveryRecorder()
        let total = rate * seconds
        let pollers = subscriptions.map { subscription in
            Task {
                var current = subscription
                while !Task.isCancelled {
                    guard let (answer, _) = try? await client.poll(&current, live: true) else { return }
                    let received = ContinuousClock.now
                    for id in messageIDs(in: answer.body.readableBytesView) {
                        recorder.received(id, at: received)
                    }
                }
            }
        }
        defer { for poller in pollers { poller.cancel() } }
        // Sends start once every poll is parked on the server.
        let parkDeadline = ContinuousClock.now + .seconds(60)
        while try await liveGauge(client, "qactl_shape_live_polls") < Double(shapes) {
            guard ContinuousClock.now < parkDeadline else { throw BenchmarkError("the live polls did not all reach the server") }
            try await Task.sleep(for: .milliseconds(50))
        }

        let start = ContinuousClock.now
        let before = server.usage
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<total {
                group.addTask {
                    try await Task.sleep(until: start + .microseconds(index * 1_000_000 / rate), clock: .continuous)
                    let id = "w-\(index)"
                    recorder.sent("q-\(id)", at: ContinuousClock.now)
                    let body = #"{"conversationId":"f-\#(Int.random(in: 0..<shapes))","questionId":"q-\#(id)","answerId":"a-\#(id)","content":"How do I mint a shape token?"}"#
                    let sent = try await client.send("/questions/send", method: .POST, headers: auth, body: body)
                    guard sent.status < 300 else { throw BenchmarkError("send answered \(sent.status)") }
                }
            }
            try await group.waitForAll()
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while recorder.samples.count < total && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let usage = server.usage
        let samples = recorder.samples
        let p99 = samples.percentile(99)
        return BenchmarkResult(
            scenario: "fanout", summary: "\(shapes) live long-polls over HTTP on \(shapes) shapes, \(rate) sends/s through the API for \(seconds) s",
            figures: [.init(name: "delivered", value: Double(samples.count), unit: "of \(total)"),
                      .init(name: "p50", value: samples.percentile(50), unit: "ms"), .init(name: "p99", value: p99, unit: "ms"),
                      .init(name: "server_cpu_per_send", value: (usage.cpuSeconds - before.cpuSeconds) * 1000 / Double(total), unit: "ms"),
                      .init(name: "server_peak_rss", value: Double(usage.peakResidentBytes) / 1_048_576, unit: "MB")],
            baseline: .init(name: "interval between sends", value: 1000 / Double(rate), unit: "ms"),
            ratio: p99 / (1000 / Double(rate)), target: "every send delivered, p99 ≤ 50 ms",
            met: samples.count == total && p99 <= 50)
        }
    }

    /// A gauge's value in the server's `/metrics`.
    static func liveGauge(_ client: BenchmarkClient, _ name: String) async throws -> Double {
        let text = String(buffer: try await client.get("/metrics").body)
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return 0
    }

    /// Message ids in a shape response body.
    static func messageIDs(in body: ByteBufferView) -> [String] {
        let text = String(decoding: body, as: UTF8.self)
        var ids: [String] = []
        var rest = text[...]
        let marker = "\\\"messages\\\"/\\\""
        while let range = rest.range(of: marker) {
            rest = rest[range.upperBound...]
            guard let end = rest.range(of: "\\\"") else { break }
            ids.append(String(rest[..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        return ids
    }
}

/// Send and receive times of the fan-out writes, shared by the writer and the pollers.
final class DeliveryRecorder: Sendable {
    private let sentAt = Mutex<[String: ContinuousClock.Instant]>([:])
    private let latencies = Mutex(Samples())

    func sent(_ id: String, at instant: ContinuousClock.Instant) {
        sentAt.withLock { $0[id] = instant }
    }

    func received(_ id: String, at instant: ContinuousClock.Instant) {
        guard let start = sentAt.withLock({ $0.removeValue(forKey: id) }) else { return }
        latencies.withLock { $0.add(instant - start) }
    }

    var samples: Samples { latencies.withLock { $0 } }
}

extension Duration {
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
