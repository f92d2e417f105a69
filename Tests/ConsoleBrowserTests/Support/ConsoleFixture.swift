import Foundation
import QACtlTestSupport

/// A real `qactl serve` on a throwaway data dir, chromedriver, and the browser
/// sessions a test opens; all of them stopped when the test ends, whether it
/// passed or not.
final class ConsoleFixture: @unchecked Sendable {
    // @unchecked: `sessions` is appended to by the test's own task only.
    let server: TestServer
    let driver: ChromeDriver
    private(set) var sessions: [BrowserSession] = []

    private init(server: TestServer, driver: ChromeDriver) {
        self.server = server
        self.driver = driver
    }

    static func with(serveArguments: [String] = [], _ body: (ConsoleFixture) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "qactl-console-" + UUID().uuidString.lowercased()
        let server = try await TestServer.start(dataDirectory: directory, arguments: serveArguments)
        let driver: ChromeDriver
        do {
            driver = try await ChromeDriver.start()
        } catch {
            _ = try? await server.stop()
            throw error
        }
        let fixture = ConsoleFixture(server: server, driver: driver)
        var failure: (any Error)?
        do { try await body(fixture) } catch { failure = error }
        for session in fixture.sessions { await session.close() }
        driver.stop()
        _ = try? await server.stop()
        try? FileManager.default.removeItem(atPath: directory)
        if let failure { throw failure }
    }

    func openBrowser(width: Int = 1200, height: Int = 800) async throws -> BrowserSession {
        let session = try await BrowserSession.open(driver, width: width, height: height)
        sessions.append(session)
        return session
    }

    var api: ServerAPI { ServerAPI(server: server) }

    /// Where screenshots go: `$QACTL_SCREENSHOTS`, else `.build/console-screenshots` in the repository.
    static var screenshotDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["QACTL_SCREENSHOTS"], !path.isEmpty { return URL(fileURLWithPath: path) }
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { root.deleteLastPathComponent() }
        return root.appendingPathComponent(".build/console-screenshots")
    }

    static func save(_ png: Data, as name: String) throws {
        let directory = screenshotDirectory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try png.write(to: directory.appendingPathComponent(name + ".png"))
    }
}

/// Console entries that are errors: exceptions, CSP violations, failed loads.
func severe(_ log: [(level: String, message: String)]) -> [String] {
    log.filter { $0.level == "SEVERE" || $0.message.contains("Content Security Policy") }.map(\.message)
}
