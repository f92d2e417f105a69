import Foundation
import GRDB
import SQLiteStore

/// Latency and routing scenarios against `qactl serve` in its own process:
/// writes go through the API over loopback, as an app's would.
extension BenchmarkScenario {
    /// Send → the answer of a live long-poll parked on that conversation's shape.
    /// Baseline: the same transaction written straight into SQLite, plus one
    /// loopback HTTP round trip (the least any server could do).
    static func writeToPoll(iterations: Int) async throws -> BenchmarkResult {
        let baseline = try await offThePool { try WriteBaseline.rawSQLite(threads: 1, seconds: 2) }
        return try await ServeProcess.with { server in
            let client = BenchmarkClient(baseURL: server.baseURL, secret: ServeProcess.secret, connections: 8)
            defer { Task { await client.shutdown() } }
            var roundTrip = Samples()
            for _ in 0..<200 {
                let start = ContinuousClock.now
                _ = try await client.get("/healthz")
                roundTrip.add(ContinuousClock.now - start)
            }
            let user = try await UserSession.open(0, server: server, client: client)
            let latency = try await sendToPoll(user, client: client, iterations: iterations)
            let floor = baseline.latencyMilliseconds + roundTrip.percentile(50)
            let p50 = latency.percentile(50), p99 = latency.percentile(99)
            return BenchmarkResult(
                scenario: "write-to-poll", summary: "send through the API → response of a live long-poll on that conversation's shape",
                figures: [.init(name: "p50", value: p50, unit: "ms"), .init(name: "p99", value: p99, unit: "ms"),
                          .init(name: "sqlite_write_p50", value: baseline.latencyMilliseconds, unit: "ms"),
                          .init(name: "http_round_trip_p50", value: roundTrip.percentile(50), unit: "ms")],
                baseline: .init(name: "raw SQLite write + loopback round trip (p50)", value: floor, unit: "ms"),
                ratio: p50 / floor, target: "p50 < 2 ms, p99 < 10 ms", met: p50 < 2 && p99 < 10)
        }
    }

    /// Parks a live poll on `user`'s conversation, sends a question through
    /// the API and times until the poll answers with its two rows.
    static func sendToPoll(_ user: UserSession, client: BenchmarkClient, iterations: Int) async throws -> Samples {
        var subscription = try await client.subscribe(query: BenchmarkRows.messagesQuery(user.conversation))
        var samples = Samples()
        for index in 0..<iterations {
            let parked = subscription
            let poll = Task {
                var copy = parked
                let (answer, _) = try await client.poll(&copy, live: true)
                return (answer, copy, ContinuousClock.now)
            }
            // Let the poll reach the server and wait there.
            try await Task.sleep(for: .milliseconds(3))
            let start = ContinuousClock.now
            _ = try await user.send(index + 1, client: client)
            let (answer, next, received) = try await poll.value
            guard BenchmarkClient.countChanges(answer.body) == 2 else {
                throw BenchmarkError("the live poll did not deliver the send: \(String(buffer: answer.body).prefix(200))")
            }
            subscription = next
            samples.add(received - start)
        }
        return samples
    }

    /// Send → live poll with `small`, then `large`, shapes of other
    /// conversations on the server, each made over HTTP.
    static func routing(small: Int, large: Int, iterations: Int) async throws -> BenchmarkResult {
        var p50s: [Double] = []
        for count in [small, large] {
            let p50 = try await ServeProcess.with(arguments: ["--max-connections", "1024"]) { server in
                let client = BenchmarkClient(baseURL: server.baseURL, secret: ServeProcess.secret, connections: 40)
                defer { Task { await client.shutdown() } }
                try await createConversations(count, prefix: "r", server: server, client: client)
                try await inParallel(count, 32) { index in
                    _ = try await client.subscribe(query: BenchmarkRows.messagesQuery("r-\(index)"))
                }
                let user = try await UserSession.open(0, server: server, client: client)
                return try await sendToPoll(user, client: client, iterations: iterations).percentile(50)
            }
            p50s.append(p50)
        }
        let ratio = p50s[1] / p50s[0]
        return BenchmarkResult(
            scenario: "routing", summary: "send → live poll with \(small) vs \(large) other `conversation_id = $1` shapes",
            figures: [.init(name: "p50_\(small)_shapes", value: p50s[0], unit: "ms"), .init(name: "p50_\(large)_shapes", value: p50s[1], unit: "ms")],
            baseline: .init(name: "p50 with \(small) shapes", value: p50s[0], unit: "ms"),
            ratio: ratio, target: "\(large) shapes within 2× of \(small)", met: ratio <= 2)
    }

    /// The initial sync of a `rows`-row shape over HTTP from a server that
    /// starts with them in its database. Baseline: the same rows read straight
    /// from the SQLite file.
    static func initialSync(rows: Int) async throws -> BenchmarkResult {
        var databasePath = ""
        return try await ServeProcess.with(prepare: { directory in
            databasePath = directory + "/qactl.sqlite"
            try await fillMessages(path: databasePath, conversations: 1, perConversation: rows)
        }) { server in
            let client = BenchmarkClient(baseURL: server.baseURL, secret: ServeProcess.secret, connections: 8)
            defer { Task { await client.shutdown() } }
            let queue = try DatabaseQueue(path: databasePath)
            let readStart = ContinuousClock.now
            let read = try await queue.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT id, conversation_id, user_id, role, status, content, created_at, updated_at FROM messages WHERE conversation_id = 'big-0'
                    """).count
            }
            let baselineRate = Double(read) / (ContinuousClock.now - readStart).secondsValue
            try queue.close()

            let syncStart = ContinuousClock.now
            let subscription = try await client.subscribe(query: BenchmarkRows.messagesQuery("big-0"))
            let syncSeconds = (ContinuousClock.now - syncStart).secondsValue
            guard subscription.rows == rows else { throw BenchmarkError("initial sync delivered \(subscription.rows) of \(rows) rows") }
            let rate = Double(rows) / syncSeconds
            let warmStart = ContinuousClock.now
            let warm = try await client.subscribe(query: BenchmarkRows.messagesQuery("big-0"))
            let warmRate = Double(warm.rows) / (ContinuousClock.now - warmStart).secondsValue
            return BenchmarkResult(
                scenario: "initial-sync", summary: "initial sync of a \(rows)-row shape over HTTP (first client creates the shape)",
                figures: [.init(name: "rows_per_second", value: rate, unit: "rows/s"), .init(name: "seconds", value: syncSeconds, unit: "s"),
                          .init(name: "second_client_rows_per_second", value: warmRate, unit: "rows/s")],
                baseline: .init(name: "raw SQLite read of the same rows", value: baselineRate, unit: "rows/s"),
                ratio: rate / baselineRate, target: "≥ 100,000 rows/s", met: rate >= 100_000)
        }
    }
}
