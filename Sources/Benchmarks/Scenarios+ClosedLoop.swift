import Foundation

extension BenchmarkScenario {
    /// `users` closed-loop users against `qactl serve` in its own process,
    /// against the same transaction written by the best raw tool with the same
    /// concurrency (`pgbench` or raw SQLite), measured in the same run.
    static func closedLoop(users: Int, postgres: Bool, quick: Bool) async throws -> BenchmarkResult {
        let loop = ClosedLoop(users: users, warmUp: .seconds(quick ? 1 : 3), measure: .seconds(quick ? 3 : 10))
        let baselineSeconds = quick ? 3 : 10
        let baseline: WriteBaseline, outcome: ClosedLoop.Outcome
        var ceiling: WriteBaseline?
        if postgres {
            (baseline, ceiling, outcome) = try await withCluster { cluster, url in
                let transactions = quick ? 10_000 : 50_000
                let baseline = try await offThePool { try WriteBaseline.pgbench(cluster, clients: users, transactions: transactions) }
                // Context for the ratio, not the baseline: the same run with PostgreSQL also decoding.
                let ceiling = try await offThePool { try WriteBaseline.pgbenchWhileDecoding(cluster, clients: users, transactions: transactions) }
                return (baseline, ceiling, try await ServeProcess.with(postgresURL: url) { try await loop.run(against: $0) })
            }
        } else {
            baseline = try await offThePool { try WriteBaseline.rawSQLite(threads: users, seconds: Double(baselineSeconds)) }
            outcome = try await ServeProcess.with { try await loop.run(against: $0) }
        }
        let p50 = outcome.latencies.percentile(50)
        let name: String
        let target: String
        let met: Bool
        switch (postgres, users) {
        case (true, 1):
            (name, target, met) = ("pg-send-to-visible", "p50 ≤ 3 ms", p50 <= 3)
        case (true, _):
            (name, target, met) = ("pg-sustained", "≥ 70% of pgbench, p50 ≤ 5 ms", outcome.rate >= 0.7 * baseline.transactionsPerSecond && p50 <= 5)
        case (false, 1):
            (name, target, met) = ("send-to-visible", "p50 ≤ 3 ms", p50 <= 3)
        case (false, _):
            (name, target, met) = ("sustained", "≥ 3,000/s, p50 ≤ 10 ms", outcome.rate >= 3000 && p50 <= 10)
        }
        return BenchmarkResult(
            scenario: name,
            summary: "\(users) closed-loop user(s) over HTTP (send, then wait for the txid on a live /shape poll), \(postgres ? "PostgreSQL" : "embedded store")",
            figures: [.init(name: "confirmed_sends_per_second", value: outcome.rate, unit: "/s"),
                      .init(name: "p50", value: p50, unit: "ms"), .init(name: "p99", value: outcome.latencies.percentile(99), unit: "ms"),
                      .init(name: "server_cpu_per_send", value: outcome.cpuMillisecondsPerSend, unit: "ms"),
                      .init(name: "load_cpu_per_send", value: outcome.loadCPUMillisecondsPerSend, unit: "ms"),
                      .init(name: "server_peak_rss", value: Double(outcome.serverPeakRSS) / 1_048_576, unit: "MB"),
                      .init(name: "baseline_latency", value: baseline.latencyMilliseconds, unit: "ms")]
                + (ceiling.map { [.init(name: "pgbench_while_decoding", value: $0.transactionsPerSecond, unit: "tx/s")] } ?? []),
            baseline: .init(name: baseline.tool, value: baseline.transactionsPerSecond, unit: "tx/s"),
            ratio: outcome.rate / baseline.transactionsPerSecond, target: target, met: met)
    }
}

/// Runs blocking work (a baseline tool, threads of its own) on a thread off
/// Swift's cooperative pool, so the pool stays free meanwhile.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try body() })
        }
    }
}
