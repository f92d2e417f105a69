import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ShapeWire
import SyncService
import Synchronization

/// Where the gatekeeper sends a shape request once it has rebuilt it from the
/// shape token: the embedded sync service, or a real Electric over HTTP.
protocol ShapeUpstream: Sendable {
    func fetch(_ call: ShapeCall) async throws -> Response
    /// Why shapes cannot be served from it now (`/healthz`), or nil.
    func problem() async -> String?
}

/// The embedded sync service, in process: no HTTP hop, no secret needed.
struct EmbeddedUpstream: ShapeUpstream {
    let sync: SyncService

    func fetch(_ call: ShapeCall) async throws -> Response {
        Response(await sync.respond(call, trusted: true))
    }

    /// In process: `/healthz` asks the sync service itself.
    func problem() async -> String? { nil }
}

/// A real Electric (or another `qactl serve`) behind the gatekeeper. The body is
/// streamed through; only the protocol's headers are relayed.
final class ElectricUpstream: ShapeUpstream {
    let baseURL: String
    let secret: String?
    let client: HTTPClient
    /// Above the upstream's long-poll hold, so live requests are not cut short.
    let deadline: Duration
    let logger: Logger
    /// The last health probe: when, and what it found.
    private let lastProbe = Mutex<(ContinuousClock.Instant, String?)?>(nil)

    init(baseURL: String, secret: String?, client: HTTPClient, deadline: Duration, logger: Logger) {
        (self.baseURL, self.secret, self.client, self.deadline, self.logger) = (baseURL, secret, client, deadline, logger)
    }

    /// Response headers relayed from upstream (plus every `electric-*` one).
    static let relayed: Set<String> = ["etag", "cache-control", "retry-after", "content-type"]

    func fetch(_ call: ShapeCall) async throws -> Response {
        // A POST's subset goes back into a JSON body (it may be too long for a URL).
        var (query, body) = call.method == .post ? SubsetBody.split(call.query) : (call.query, nil)
        if let secret { query.append((name: "secret", value: secret)) }
        let url = baseURL.trimmingSuffix("/") + "/v1/shape?" + query.map { Self.encode($0.name) + "=" + Self.encode($0.value) }.joined(separator: "&")
        var upstream = HTTPClientRequest(url: url)
        switch call.method {
        case .head: upstream.method = .HEAD
        case .post:
            upstream.method = .POST
            upstream.headers.add(name: "content-type", value: "application/json")
            upstream.body = .bytes(ByteBuffer(string: body ?? "{}"))
        default: upstream.method = .GET
        }
        if let tag = call.ifNoneMatch { upstream.headers.add(name: "if-none-match", value: tag) }
        let response: HTTPClientResponse
        do {
            // An SSE answer streams for as long as the upstream keeps it open (Electric: 60 s).
            let limit = ShapeParameter.asksEvents(call.query) ? max(deadline, .seconds(3600)) : deadline
            let until = NIODeadline.now() + .nanoseconds(limit.components.seconds * 1_000_000_000)
            if let presence = call.presence {
                // Only cancellation stops a relayed request: it runs in a task its client's departure cancels.
                response = try await presence.whilePresent { [client, upstream] in try await client.execute(upstream, deadline: until) }
            } else {
                response = try await client.execute(upstream, deadline: until)
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw APIError(.badGateway, "the sync service did not answer in time", headers: [(.retryAfter, "1")])
        } catch {
            throw APIError.unavailable("the sync service cannot be reached", retryAfter: 1)
        }
        if response.status.code == 401 {
            // Electric refused *our* secret: the client's token is fine, so a 401
            // would only make it fetch new tokens forever.
            throw APIError(.badGateway, "the sync service refused the gatekeeper's secret (check --electric-secret)", headers: [(.retryAfter, "5")])
        }
        let code = Int(response.status.code)
        if code >= 500, code != 503 {
            // Its body may tell of its internals: the operator gets it, the client a 502.
            // (A 503 is Electric's "over the limit, retry after", relayed as is.)
            let said = (try? await response.body.collect(upTo: 4096)).map { String(buffer: $0) } ?? ""
            logger.warning("the sync service failed a shape request", metadata: ["status": "\(code)", "answer": "\(said)"])
            throw APIError(.badGateway, "the sync service failed (it answered \(code)); try again shortly", headers: [(.retryAfter, "1")])
        }
        var fields = HTTPFields()
        for header in response.headers {
            let name = header.name.lowercased()
            guard name.hasPrefix("electric-") || Self.relayed.contains(name), let field = HTTPField.Name(name) else { continue }
            fields.append(HTTPField(name: field, value: header.value))
        }
        // An error is never cached, whatever the upstream said.
        if code >= 400 { fields[.cacheControl] = "no-store" }
        return Response(status: HTTPResponse.Status(code: code), headers: fields, body: ResponseBody(asyncSequence: response.body))
    }

    /// Electric's `GET /v1/health` (qactl serve answers it too): 200 `active`
    /// is ready; 202 `starting` or `waiting`, another status, or no answer within
    /// a second is the reason `/healthz` gives. One probe a second at most,
    /// however many clients and balancers ask `/healthz`.
    func problem() async -> String? {
        let now = ContinuousClock.now
        if let (asked, answer) = lastProbe.withLock({ $0 }), now - asked < .seconds(1) { return answer }
        let answer = await probe()
        lastProbe.withLock { $0 = (now, answer) }
        return answer
    }

    private func probe() async -> String? {
        let url = baseURL.trimmingSuffix("/") + "/v1/health"
        do {
            let response = try await client.execute(HTTPClientRequest(url: url), deadline: .now() + .seconds(1))
            let body = try await response.body.collect(upTo: 4096)
            let status = (try? JSONDecoder().decode([String: String].self, from: body))?["status"]
            switch response.status.code {
            case 200: return nil
            case 202: return "the sync service at \(baseURL) is not ready yet (\(status ?? "starting"))"
            default: return "the sync service at \(baseURL) answered its health check with \(response.status.code)"
            }
        } catch {
            return "the sync service at \(baseURL) cannot be reached"
        }
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters (ASCII only).
    static func encode(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
