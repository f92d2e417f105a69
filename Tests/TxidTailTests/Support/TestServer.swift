import Foundation
import QACtlSync
import Tokens

/// A real `qactl serve` on a free port with its own data dir, and the API
/// calls the tests write through (with auth tokens signed by its keys).
final class TestServer: Sendable {
    let directory: TemporaryDirectory
    let process: ToolProcess
    let baseURL: String

    var dataDirectory: String { directory.path }

    private init(directory: TemporaryDirectory, process: ToolProcess, baseURL: String) {
        self.directory = directory
        self.process = process
        self.baseURL = baseURL
    }

    /// Starts the server and waits for its "listening on" line.
    static func start() async throws -> TestServer {
        let directory = TemporaryDirectory()
        let process = try ToolProcess(
            ToolProcess.server, ["serve", "--listen", "127.0.0.1:0", "--data-dir", directory.path, "--log-level", "warning"])
        let line = try await process.waitForLine { $0.contains("listening on http://") }
        guard let range = line.range(of: #"http://[^\s]+"#, options: .regularExpression) else {
            throw ToolFailure("no URL in \(line)")
        }
        return TestServer(directory: directory, process: process, baseURL: String(line[range]))
    }

    /// The API as `user`, with a token minted from the server's own keys.
    func api(_ user: String) throws -> APIClient {
        let authority = try TokenAuthority(store: KeyStore(dataDirectory: dataDirectory))
        return APIClient(baseURL: baseURL) { try await authority.mintAuth(subject: user).token }
    }

    /// Stops the server (SIGTERM) and waits for it.
    func stop() async {
        process.send(SIGTERM)
        _ = try? await process.exitStatus()
    }
}
