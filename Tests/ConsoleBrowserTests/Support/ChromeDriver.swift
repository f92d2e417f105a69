import Foundation
import QACtlTestSupport
import Synchronization

/// Debian's `chromedriver` on a free loopback port, started for one test and
/// stopped (SIGTERM, then SIGKILL) when it ends.
final class ChromeDriver: Sendable {
    static let driverPath = "/usr/bin/chromedriver"
    static let browserPath = "/usr/bin/chromium"

    let baseURL: String
    private let process: Mutex<SpawnedProcess?>

    private init(baseURL: String, process: SpawnedProcess) {
        self.baseURL = baseURL
        self.process = Mutex(process)
    }

    static func start() async throws -> ChromeDriver {
        for path in [driverPath, browserPath] where !FileManager.default.isExecutableFile(atPath: path) {
            throw TestFailure("\(path) is missing: install Debian's chromium and chromium-driver (.ci/run does)")
        }
        let port = try freePort()
        let process = try SpawnedProcess(
            driverPath, ["--port=\(port)", "--allowed-ips=127.0.0.1"], standardOutput: .null, standardError: .null)
        let driver = ChromeDriver(baseURL: "http://127.0.0.1:\(port)", process: process)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let status = try? await HTTP.send(driver.baseURL + "/status", timeout: .seconds(2)),
                ((status.json["value"] as? [String: Any])?["ready"] as? Bool) == true
            {
                return driver
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        driver.stop()
        throw TestFailure("chromedriver did not become ready on port \(port)")
    }

    func stop() {
        guard let process = process.withLock({ current -> SpawnedProcess? in defer { current = nil }; return current }) else { return }
        guard process.isRunning else { return }
        process.signal(SIGTERM)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        process.signal(SIGKILL)
        _ = process.waitBlocking()
    }

    deinit { stop() }

    /// A port nobody listens on right now (the kernel's pick for port 0).
    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("no free port for chromedriver") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
