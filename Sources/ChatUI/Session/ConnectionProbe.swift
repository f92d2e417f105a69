import AsyncHTTPClient
import TransportFailures
import NIOCore

/// Asks `GET /healthz` whether the server answers at all.
///
/// The shape stream retries a lost connection quietly, so the status line
/// needs its own signal for "offline": any HTTP answer (even a 503 while the
/// server starts) means reachable; a refused or timed-out connection means not.
struct ConnectionProbe: Sendable {
    let url: String
    let httpClient: HTTPClient
    /// How often to ask while reachable, and while not (sooner, to notice the way back).
    static let onlineInterval: Duration = .seconds(2)
    static let offlineInterval: Duration = .milliseconds(500)

    init(server: String, httpClient: HTTPClient = .shared) {
        self.url = server + "/healthz"
        self.httpClient = httpClient
    }

    /// Whether the server answered within a second and a half.
    func check() async -> Bool { await problem() == nil }

    /// Why the server did not answer within a second and a half ("connection refused"), or nil when it did.
    func problem() async -> String? {
        do {
            let response = try await httpClient.execute(HTTPClientRequest(url: url), timeout: .milliseconds(1500))
            _ = try? await response.body.collect(upTo: 64 << 10)
            return nil
        } catch {
            return TransportFailure.describe(error)
        }
    }

    /// Reports reachability after every check, until the task is cancelled.
    func run(_ report: @Sendable (Bool) async -> Void) async {
        while !Task.isCancelled {
            let reachable = await check()
            await report(reachable)
            do {
                try await Task.sleep(for: reachable ? Self.onlineInterval : Self.offlineInterval)
            } catch {
                return
            }
        }
    }
}
