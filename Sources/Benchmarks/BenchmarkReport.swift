import Foundation

/// The table `qactl bench` prints.
public enum BenchmarkReport {
    public static func table(_ results: [BenchmarkResult]) -> String {
        var lines = ["scenario       measured                                   baseline (same run)                              ratio   target                              met"]
        for result in results {
            let measured = result.figures.map { "\($0.name) \(format($0.value)) \($0.unit)" }.joined(separator: ", ")
            let baseline = "\(result.baseline.name): \(format(result.baseline.value)) \(result.baseline.unit)"
            lines.append(
                pad(result.scenario, 15) + pad(measured, 43) + pad(baseline, 49) + pad(String(format: "%.2f", result.ratio), 8)
                    + pad(result.target, 36) + (result.met ? "yes" : "NO"))
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        if value >= 1000 { return String(format: "%.0f", value) }
        if value >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.2f", value)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
