import LocalSetup
import ArgumentParser
import Benchmarks

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure qactl's performance targets against baselines from the same run.",
        discussion: """
            Each scenario runs against a fresh in-process qactl serve on loopback with \
            its own temporary data dir. Results are reported as figures, a baseline \
            measured in the same run, their ratio, and whether the target was met.
            """
    )

    @Argument(help: ArgumentHelp("Scenarios to run (default: all).", valueName: "scenario"))
    var scenarios: [BenchmarkScenario] = []

    @Flag(help: "Smaller sizes, for a quick smoke run (targets apply to the full sizes).")
    var quick = false

    @Flag(help: "Print one JSON object per scenario.")
    var json = false

    func run() async throws {
        var results: [BenchmarkResult] = []
        for scenario in scenarios.isEmpty ? BenchmarkScenario.allCases : scenarios {
            do {
                let result = try await scenario.run(quick: quick)
                results.append(result)
                if json { emit(result.json) }
            } catch {
                throw fail("bench \(scenario.rawValue): \(error)")
            }
        }
        if !json { emit(BenchmarkReport.table(results)) }
    }
}

extension BenchmarkScenario: ExpressibleByArgument {}
