import Foundation

/// One scenario's outcome: its measurement, the baseline measured in the same
/// run, their ratio, and whether the target was met.
public struct BenchmarkResult: Sendable {
    public struct Figure: Sendable {
        public let name: String
        public let value: Double
        public let unit: String
    }

    public let scenario: String
    public let summary: String
    public let figures: [Figure]
    public let baseline: Figure
    /// `measured / baseline` (or rate over baseline rate, for throughput).
    public let ratio: Double
    public let target: String
    public let met: Bool

    /// One line of JSON for `--json`.
    public var json: String {
        func number(_ value: Double) -> String {
            value.isFinite ? String(format: "%.4f", value) : "null"
        }
        let figures = self.figures.map { "\"\($0.name)\":{\"value\":\(number($0.value)),\"unit\":\"\($0.unit)\"}" }.joined(separator: ",")
        return "{\"scenario\":\"\(scenario)\",\"figures\":{\(figures)},\"baseline\":{\"name\":\"\(baseline.name)\",\"value\":\(number(baseline.value)),\"unit\":\"\(baseline.unit)\"},\"ratio\":\(number(ratio)),\"target\":\"\(target)\",\"met\":\(met)}"
    }
}

/// Latency samples and their percentiles.
struct Samples {
    private(set) var values: [Double] = []

    mutating func add(_ duration: Duration) {
        values.append(Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
    }

    mutating func merge(_ other: Samples) {
        values += other.values
    }

    mutating func add(milliseconds: Double) {
        values.append(milliseconds)
    }

    /// The p-th percentile in milliseconds (nearest rank).
    func percentile(_ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
        return sorted[max(0, min(sorted.count - 1, rank))]
    }

    var count: Int { values.count }
}
