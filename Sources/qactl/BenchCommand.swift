import LocalSetup
import ArgumentParser
import Benchmarks

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure qactl's performance targets against baselines from the same run.",
        discussion: """
            Scenarios that measure the server start this binary's qactl serve as a \
            process of its own on loopback, with a temporary data dir, and load it from \
            outside over real sockets. Results are reported as figures, a baseline \
            measured in the same run, their ratio, and whether the target was met. A \
            scenario that fails is reported and the others still run; the exit status \
            is then 1.
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
        var failed: [String] = []
        for scenario in scenarios.isEmpty ? BenchmarkScenario.allCases : scenarios {
            do {
                let result = try await scenario.run(quick: quick)
                results.append(result)
                if json { emit(result.json) }
            } catch {
                warn("bench \(scenario.rawValue) failed: \(error)")
                failed.append(scenario.rawValue)
            }
        }
        if !json { emit(BenchmarkReport.table(results)) }
        if !failed.isEmpty { throw fail("bench: \(failed.joined(separator: ", ")) failed (see above)") }
    }
}

extension BenchmarkScenario: ExpressibleByArgument {}
