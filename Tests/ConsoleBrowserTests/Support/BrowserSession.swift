import Foundation
import NIOHTTP1
import QACtlTestSupport

/// One headless Chromium session, driven over the W3C WebDriver protocol with
/// plain HTTP and JSON.
struct BrowserSession: Sendable {
    let driver: String
    let id: String

    /// Opens a session; the browser's console (errors, CSP violations) is kept for ``browserLog()``.
    static func open(_ driver: ChromeDriver, width: Int = 1200, height: Int = 800) async throws -> BrowserSession {
        let capabilities: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": ChromeDriver.browserPath,
                        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=\(width),\(height)",
                                 "--no-first-run", "--disable-extensions"],
                    ],
                    "goog:loggingPrefs": ["browser": "ALL"],
                ] as [String: Any],
            ],
        ]
        let value = try await call(driver.baseURL + "/session", "POST", capabilities)
        guard let id = (value as? [String: Any])?["sessionId"] as? String else { throw TestFailure("no session id in \(String(describing: value))") }
        return BrowserSession(driver: driver.baseURL, id: id)
    }

    func close() async {
        _ = try? await Self.call("\(driver)/session/\(id)", "DELETE", nil)
    }

    func navigate(_ url: String) async throws {
        _ = try await command("url", ["url": url])
    }

    /// Runs `script` (a function body; `arguments` are its arguments) in the page and returns its value.
    @discardableResult
    func run(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        let value = try await command("execute/sync", ["script": script, "args": arguments])
        return value is NSNull ? nil : value
    }

    /// Polls `script` until it returns something truthy, or fails after `timeout` naming `what`.
    @discardableResult
    func waitFor(_ what: String, timeout: Duration = .seconds(15), _ script: String, _ arguments: [Any] = []) async throws -> Any {
        let deadline = ContinuousClock.now + timeout
        var last: Any?
        while ContinuousClock.now < deadline {
            last = try await run(script, arguments)
            if let value = last, Self.truthy(value) { return value }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestFailure("timed out after \(timeout) waiting for \(what) (last value: \(String(describing: last)))")
    }

    /// The element `selector` matches (WebDriver's element reference).
    func element(_ selector: String) async throws -> String {
        let value = try await command("element", ["using": "css selector", "value": selector])
        guard let reference = (value as? [String: Any])?.values.first as? String else { throw TestFailure("no element \(selector)") }
        return reference
    }

    /// Types `text` into the element as a user would (key events; "\u{E007}" is Enter).
    func type(_ selector: String, _ text: String) async throws {
        let reference = try await element(selector)
        _ = try await command("element/\(reference)/value", ["text": text])
    }

    func click(_ selector: String) async throws {
        let reference = try await element(selector)
        _ = try await command("element/\(reference)/click", [:])
    }

    /// Makes the page see `prefers-color-scheme: dark` (Chrome DevTools' media emulation, through chromedriver).
    func emulateDarkColorScheme() async throws {
        _ = try await command("goog/cdp/execute", [
            "cmd": "Emulation.setEmulatedMedia", "params": ["features": [["name": "prefers-color-scheme", "value": "dark"]]],
        ])
    }

    /// A PNG of the viewport.
    func screenshot() async throws -> Data {
        guard let text = try await command("screenshot", nil, method: "GET") as? String, let data = Data(base64Encoded: text) else {
            throw TestFailure("no screenshot")
        }
        return data
    }

    /// The browser console's entries since the last call (level, message).
    func browserLog() async throws -> [(level: String, message: String)] {
        let value = try await command("se/log", ["type": "browser"])
        return (value as? [[String: Any]] ?? []).map { (($0["level"] as? String) ?? "", ($0["message"] as? String) ?? "") }
    }

    private func command(_ path: String, _ body: [String: Any]?, method: String = "POST") async throws -> Any? {
        try await Self.call("\(driver)/session/\(id)/\(path)", method, body)
    }

    private static func call(_ url: String, _ method: String, _ body: [String: Any]?) async throws -> Any? {
        let text = try body.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        let answer = try await HTTP.send(url, method: .init(rawValue: method), headers: [("content-type", "application/json")], body: text, timeout: .seconds(60))
        let value = answer.json["value"]
        guard answer.status == 200 else {
            let error = value as? [String: Any]
            throw TestFailure("WebDriver \(method) \(url): \(answer.status) \(error?["error"] ?? "") \(error?["message"] ?? answer.body)")
        }
        return value
    }

    private static func truthy(_ value: Any) -> Bool {
        switch value {
        case let flag as Bool: flag
        case let number as NSNumber: number.doubleValue != 0
        case let text as String: !text.isEmpty
        case let list as [Any]: !list.isEmpty
        default: true
        }
    }
}
