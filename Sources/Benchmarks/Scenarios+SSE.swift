import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension BenchmarkScenario {
    /// Send → visible on a follower of the conversation's shape, over SSE
    /// (one stream, events as they come) against long-polls (one request per
    /// batch) on the same server in the same run.
    static func sseLatency(iterations: Int) async throws -> BenchmarkResult {
        try await ServeProcess.with(arguments: ["--sse-timeout", "3600s"]) { server in
            let client = BenchmarkClient(baseURL: server.baseURL, secret: ServeProcess.secret, connections: 16)
            defer { Task { await client.shutdown() } }
            let token = try await server.authToken("bench")
            let auth = [("authorization", "Bearer \(token)"), ("content-type", "application/json")]
            _ = try await client.send("/conversations", method: .POST, headers: auth, body: "{\"id\":\"c-sse\",\"title\":\"SSE\"}")
            var sent = 0
            func send() async throws {
                sent += 1
                let body = "{\"conversationId\":\"c-sse\",\"questionId\":\"q-\(sent)\",\"answerId\":\"a-\(sent)\",\"content\":\"Is it there yet?\"}"
                let answer = try await client.send("/questions/send", method: .POST, headers: auth, body: body)
                guard answer.status == 200 else { throw BenchmarkError("send answered \(answer.status)") }
            }
            var subscription = try await client.subscribe(query: BenchmarkRows.messagesQuery("c-sse"))

            var longPoll = Samples()
            for _ in 0..<iterations {
                let parked = subscription
                let poll = Task {
                    var copy = parked
                    _ = try await client.poll(&copy, live: true)
                    return copy
                }
                try await Task.sleep(for: .milliseconds(2))
                let start = ContinuousClock.now
                try await send()
                subscription = try await poll.value
                longPoll.add(ContinuousClock.now - start)
            }

            // One SSE stream from where the long-polls stopped.
            var request = HTTPClientRequest(url: server.baseURL + client.shapePath(subscription, live: true) + "&live_sse=true")
            request.headers.add(name: "accept", value: "text/event-stream")
            let response = try await client.http.execute(request, timeout: .seconds(3600))
            guard response.status == .ok else { throw BenchmarkError("SSE request answered \(response.status.code)") }
            let (batches, arrived) = AsyncStream<Void>.makeStream()
            let reader = Task {
                for try await chunk in response.body {
                    let text = String(buffer: chunk)
                    for _ in text.components(separatedBy: "\"control\":\"up-to-date\"").dropFirst() { arrived.yield() }
                }
                arrived.finish()
            }
            defer { reader.cancel() }
            var batchIterator = batches.makeAsyncIterator()
            var sse = Samples()
            for _ in 0..<iterations {
                let start = ContinuousClock.now
                try await send()
                guard await batchIterator.next() != nil else { throw BenchmarkError("the SSE stream ended early") }
                sse.add(ContinuousClock.now - start)
            }
            let p50 = sse.percentile(50), baseline = longPoll.percentile(50)
            return BenchmarkResult(
                scenario: "sse", summary: "send → visible over one SSE stream vs live long-polls (1 follower, \(iterations) sends each)",
                figures: [.init(name: "p50", value: p50, unit: "ms"), .init(name: "p99", value: sse.percentile(99), unit: "ms"),
                          .init(name: "long_poll_p99", value: longPoll.percentile(99), unit: "ms")],
                baseline: .init(name: "the same over live long-polls (p50)", value: baseline, unit: "ms"),
                ratio: p50 / baseline, target: "no worse than long-poll (p50 ≤ 1.1 × long-poll p50)", met: p50 <= 1.1 * baseline)
        }
    }
}
