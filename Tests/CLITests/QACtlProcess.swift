import Foundation
import PostgresHarness
import QACtlTestSupport

/// Runs the built `qactl` as a real process: real argv, stdin, stdout, stderr, exit code.
struct QACtlProcess {
    typealias Result = CommandRunner.Output

    /// The directory holding the built products (`qactl`, the test bundle, …).
    static let productsDirectory: URL = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        // On some platforms the test binary sits inside a bundle.
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("qactl").path), url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url
    }()

    static var executable: String { productsDirectory.appendingPathComponent("qactl").path }

    /// The repository root, for checking committed files.
    static let repositoryRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Runs `qactl arguments` to its end, without the data dir of whoever runs
    /// the tests. A run past `timeout` is killed and throws, so a hang fails
    /// the test instead of the whole run.
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], timeout: Duration = .seconds(300)) throws -> Result {
        try CommandRunner.run(executable, arguments, input: stdin, environment: environment, unsetting: ["QACTL_DATA_DIR"], timeout: timeout)
    }
}

/// A temp dir for one test, removed afterwards.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array((NSTemporaryDirectory() + "/qactl-cli-XXXXXX").utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
