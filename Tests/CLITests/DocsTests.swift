import CLIDocs
import Foundation
import Testing

/// `--help`, `--version`, and the committed man pages and completion scripts.
struct DocsTests {
    @Test func committedManPagesAndCompletionsAreCurrent() throws {
        let stale = try DocsGenerator(executable: QACtlProcess.executable).staleFiles(root: QACtlProcess.repositoryRoot)
        #expect(stale.isEmpty, "stale docs; run scripts/generate-docs: \(stale)")
    }

    @Test func everyCommandHasHelp() throws {
        for command in [[], ["token"], ["token", "mint"], ["token", "mint", "auth"], ["token", "mint", "shape"], ["token", "decode"], ["token", "rotate"]] {
            let result = try QACtlProcess.run(command + ["--help"])
            #expect(result.status == 0, "\(command)")
            #expect(result.stdout.contains("USAGE: qactl"), "\(command)")
        }
        let token = try QACtlProcess.run(["token", "--help"])
        for sub in ["mint", "decode", "rotate"] { #expect(token.stdout.contains(sub)) }
    }

    @Test func versionIsPrinted() throws {
        let result = try QACtlProcess.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil)
    }
}
