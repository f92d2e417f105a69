import Foundation
import QACtlTestSupport
import Testing

/// `qactl bench` end to end in a real process: it starts its own `qactl serve`
/// (and its own PostgreSQL cluster), loads it over sockets and reports each
/// figure beside a baseline measured in the same run. Quick sizes, a debug
/// build: only that the figures are there and sane is checked, never a target.
/// The one-user scenarios: they load the machine lightly, beside the other suites.
struct BenchCommandTests {
    @Test func closedLoopScenariosReportFiguresBesideTheirBaselines() async throws {
        // Waited for off the cooperative pool: the run takes a while, and other suites need the pool meanwhile.
        let result = try await blocking {
            try QACtlProcess.run(["bench", "--quick", "--json", "send-to-visible", "pg-send-to-visible"], timeout: .seconds(900))
        }
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        let reports = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(reports.map { $0["scenario"] as? String } == ["send-to-visible", "pg-send-to-visible"])
        for report in reports {
            let figures = try #require(report["figures"] as? [String: [String: Any]])
            let value = { (name: String) in (figures[name]?["value"] as? Double) ?? 0 }
            #expect(value("confirmed_sends_per_second") > 0, "\(report)")
            #expect(value("p50") > 0 && value("p50") <= value("p99"), "\(report)")
            #expect(value("server_cpu_per_send") > 0, "\(report)")
            let baseline = try #require(report["baseline"] as? [String: Any])
            #expect((baseline["value"] as? Double ?? 0) > 0, "\(report)")
            if report["scenario"] as? String == "pg-send-to-visible" {
                #expect((baseline["name"] as? String)?.hasPrefix("pgbench -c 1") == true)
                // PostgreSQL decoding its own stream as well: measured, and a real rate.
                #expect(value("pgbench_while_decoding") > 0, "\(report)")
            }
        }
    }
}
