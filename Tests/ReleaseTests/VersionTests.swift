import Foundation
import QACtlTestSupport
import QACtlVersion
import Testing

/// One version everywhere a user reads one: `qactl --version`, the library, the changelog.
struct VersionTests {
    @Test func qactlReportsTheLibrarysVersion() async throws {
        let result = try await runProcess(TestServer.executable, ["--version"])
        #expect(result.status == 0)
        #expect(result.stdout == ReleaseVersion.current + "\n")
    }

    @Test func theChangelogsNewestEntryIsThisVersion() throws {
        let changelog = try String(contentsOfFile: repositoryRoot + "/CHANGELOG.md", encoding: .utf8)
        let newest = changelog.split(separator: "\n").first { $0.hasPrefix("## ") }
        let match = try #require(newest?.firstMatch(of: /^## \[?(\d+\.\d+\.\d+)\]? — (\d{4}-\d{2}-\d{2})$/))
        #expect(String(match.1) == ReleaseVersion.current)
    }

    @Test func theVersionIsSemantic() {
        #expect(ReleaseVersion.current.wholeMatch(of: /\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?/) != nil)
    }
}
