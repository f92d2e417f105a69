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

    // MARK: - write → live poll

    static func writeToPoll(iterations: Int) async throws -> BenchmarkResult {
        try await BenchmarkServer.with { bench in
        try await bench.insertConversations(prefix: "c", count: 2)

        var write = Samples()
        var roundTrip = Samples()
        for index in 0..<max(50, iterations / 2) {
            let start = ContinuousClock.now
            try await bench.insertMessage("raw-\(index)", conversation: "c-1")
            write.add(ContinuousClock.now - start)
            let requestStart = ContinuousClock.now
            _ = try await bench.client.get("/healthz")
            roundTrip.add(ContinuousClock.now - requestStart)
        }
        let latency = try await pollLatencies(bench, conversation: "c-0", iterations: iterations)
        let baseline = write.percentile(50) + roundTrip.percentile(50)
        let p50 = latency.percentile(50), p99 = latency.percentile(99)
        return BenchmarkResult(
            scenario: "write-to-poll", summary: "write → response of a live long-poll on that shape",
            figures: [.init(name: "p50", value: p50, unit: "ms"), .init(name: "p99", value: p99, unit: "ms"),
                      .init(name: "sqlite_write_p50", value: write.percentile(50), unit: "ms"),
                      .init(name: "http_round_trip_p50", value: roundTrip.percentile(50), unit: "ms")],
            baseline: .init(name: "sqlite write + loopback round trip (p50)", value: baseline, unit: "ms"),
            ratio: p50 / baseline, target: "p50 < 2 ms, p99 < 10 ms", met: p50 < 2 && p99 < 10)
        }
    }

    /// Parks a live poll on the conversation's shape, writes, and times the answer.
    static func pollLatencies(_ bench: BenchmarkServer, conversation: String, iterations: Int) async throws -> Samples {
        var subscription = try await bench.client.subscribe(query: BenchmarkServer.messagesQuery(conversation))
        var samples = Samples()
        for index in 0..<iterations {
            let client = bench.client
            let parked = subscription
            let poll = Task {
                var copy = parked
                let (answer, _) = try await client.poll(&copy, live: true)
                return (answer, copy, ContinuousClock.now)
            }
            // Let the poll reach the server and wait there.
            try await Task.sleep(for: .milliseconds(3))
            let start = ContinuousClock.now
            try await bench.insertMessage("\(conversation)-m-\(index)", conversation: conversation)
            let (answer, next, received) = try await poll.value
            guard BenchmarkClient.countChanges(answer.body) == 1 else {
                throw BenchmarkError("the live poll did not deliver the write")
            }
            subscription = next
            samples.add(received - start)
        }
        return samples
    }

    // MARK: - fan-out

    /// `shapes` live long-polls over HTTP on `qactl serve` in its own process,
    /// and `rate` sends per second through the API to random ones of them.
    static func fanout(shapes: Int, rate: Int, seconds: Int) async throws -> BenchmarkResult {
        try await ServeProcess.with(arguments: ["--max-connections", "\(shapes + 512)"]) { server in
        let client = BenchmarkClient(baseURL: server.baseURL, secret: ServeProcess.secret, connections: shapes + 256)
        defer { Task { await client.shutdown() } }
        let token = try await server.authToken("bench")
        let auth = [("authorization", "Bearer \(token)"), ("content-type", "application/json")]
        try await inParallel(shapes, 32) { index in
            let created = try await client.send("/conversations", method: .POST, headers: auth, body: #"{"id":"f-\#(index)","title":"Bench"}"#)
            guard created.status < 300 else { throw BenchmarkError("creating a conversation answered \(created.status)") }
        }
        let subscriptions = try await withThrowingTaskGroup(of: BenchmarkClient.Subscription.self) { group in
            var result: [BenchmarkClient.Subscription] = []
            for index in 0..<shapes {
                if index >= 32 { result.append(try await group.next()!) }
                group.addTask { try await client.subscribe(query: BenchmarkServer.messagesQuery("f-\(index)")) }
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

    // MARK: - routing cost

    static func routing(small: Int, large: Int, iterations: Int) async throws -> BenchmarkResult {
        var p50s: [Double] = []
        for count in [small, large] {
            try await BenchmarkServer.with { bench in
            try await bench.insertConversations(prefix: "r", count: count)
            // Shapes are created in process (as the gatekeeper would) to keep set-up short.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    if index >= 16 { try await group.next() }
                    group.addTask {
                        let query = ShapeCall.parseQuery(BenchmarkServer.messagesQuery("r-\(index)") + "&offset=-1")
                        guard let sync = bench.server.sync else { throw BenchmarkError("the embedded sync service is not running") }
                        let answer = await sync.respond(ShapeCall(method: .get, query: query), trusted: true)
                        guard answer.status == 200 else { throw BenchmarkError("creating shape r-\(index) answered \(answer.status)") }
                    }
                }
                try await group.waitForAll()
            }
            let samples = try await pollLatencies(bench, conversation: "r-0", iterations: iterations)
            p50s.append(samples.percentile(50))
            }
        }
        let ratio = p50s[1] / p50s[0]
        return BenchmarkResult(
            scenario: "routing", summary: "write → live poll with \(small) vs \(large) `conversation_id = $1` shapes",
            figures: [.init(name: "p50_\(small)_shapes", value: p50s[0], unit: "ms"), .init(name: "p50_\(large)_shapes", value: p50s[1], unit: "ms")],
            baseline: .init(name: "p50 with \(small) shapes", value: p50s[0], unit: "ms"),
            ratio: ratio, target: "\(large) shapes within 2× of \(small)", met: ratio <= 2)
    }

    // MARK: - initial sync

    static func initialSync(rows: Int) async throws -> BenchmarkResult {
        try await BenchmarkServer.with { bench in
        try await bench.insertConversations(prefix: "big", count: 1)
        let batch = 10_000
        for start in stride(from: 0, to: rows, by: batch) {
            try await bench.store.transaction { db, _ in
                for index in start..<min(rows, start + batch) {
                    try db.execute(
                        sql: "INSERT INTO messages(id, conversation_id, user_id, role, status, content, created_at, updated_at) VALUES (?, 'big-0', 'bench', 'user', 'completed', 'How do I mint a shape token?', ?, ?)",
                        arguments: ["m-\(index)", BenchmarkServer.now(), BenchmarkServer.now()])
                }
            }
        }
        let readStart = ContinuousClock.now
        let snapshot = try await bench.store.snapshot(of: DataModel.messages, filter: nil)
        let readSeconds = (ContinuousClock.now - readStart).secondsValue
        let baselineRate = Double(snapshot.rows.count) / readSeconds

        let syncStart = ContinuousClock.now
        let subscription = try await bench.client.subscribe(query: BenchmarkServer.messagesQuery("big-0"))
        let syncSeconds = (ContinuousClock.now - syncStart).secondsValue
        guard subscription.rows == rows else { throw BenchmarkError("initial sync delivered \(subscription.rows) of \(rows) rows") }
        let rate = Double(rows) / syncSeconds
        let warmStart = ContinuousClock.now
        let warm = try await bench.client.subscribe(query: BenchmarkServer.messagesQuery("big-0"))
        let warmRate = Double(warm.rows) / (ContinuousClock.now - warmStart).secondsValue
        return BenchmarkResult(
            scenario: "initial-sync", summary: "initial sync of a \(rows)-row shape over HTTP (first client creates the shape)",
            figures: [.init(name: "rows_per_second", value: rate, unit: "rows/s"), .init(name: "seconds", value: syncSeconds, unit: "s"),
                      .init(name: "second_client_rows_per_second", value: warmRate, unit: "rows/s")],
            baseline: .init(name: "raw SQLite read of the table", value: baselineRate, unit: "rows/s"),
            ratio: rate / baselineRate, target: "≥ 100,000 rows/s", met: rate >= 100_000)
        }
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
