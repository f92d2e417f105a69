import Foundation
import QACtlTestSupport

/// Drives `/v1/shape` the way Electric's clients do: `-1`, catch-up, live.
struct ShapeClient {
    let server: ServeProcess
    var secret: String? = "s3cret"

    func url(_ parameters: [(String, String)]) -> String {
        var components = URLComponents(string: server.baseURL + "/v1/shape")!
        var items = parameters.map { URLQueryItem(name: $0.0, value: $0.1) }
        if let secret { items.append(URLQueryItem(name: "secret", value: secret)) }
        components.queryItems = items
        // URLComponents leaves `+` alone; the server reads `+` as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.url!.absoluteString
    }

    func get(_ parameters: [(String, String)], headers: [(String, String)] = []) async throws -> ServerAnswer {
        try await HTTP.send(url(parameters), headers: headers)
    }

    /// A shape subscription: where it is in the log, and every row it has applied.
    // @unchecked: a test moves a subscription into a polling task and back; it is never shared.
    struct Subscription: @unchecked Sendable {
        var shape: [(String, String)]
        var handle: String?
        var offset = "-1"
        var cursor: String?
        var rows: [String: [String: Any]] = [:]
        var operations: [[String: Any]] = []
    }

    /// Starts a live poll from where `subscription` stands, in the background.
    func livePoll(_ subscription: Subscription) -> Task<(ServerAnswer, Subscription), any Error> {
        Task {
            var copy = subscription
            let answer = try await poll(&copy, live: true)
            return (answer, copy)
        }
    }

    /// Initial sync: `-1`, then catch-up requests until up-to-date.
    func subscribe(_ shape: [(String, String)]) async throws -> Subscription {
        var subscription = Subscription(shape: shape)
        repeat {
            let answer = try await poll(&subscription, live: false)
            guard answer.status == 200 else { throw TestFailure("initial sync got \(answer.status): \(answer.body)") }
            if answer.header("electric-up-to-date") != nil { break }
        } while true
        return subscription
    }

    /// One request from where `subscription` stands; applies its changes.
    @discardableResult
    func poll(_ subscription: inout Subscription, live: Bool) async throws -> ServerAnswer {
        var parameters = subscription.shape + [("offset", subscription.offset)]
        if let handle = subscription.handle, subscription.offset != "-1" { parameters.append(("handle", handle)) }
        if live {
            parameters.append(("live", "true"))
            parameters.append(("cursor", subscription.cursor ?? ""))
        }
        let answer = try await get(parameters)
        guard answer.status == 200 else { return answer }
        subscription.handle = answer.header("electric-handle")
        subscription.offset = answer.header("electric-offset") ?? subscription.offset
        subscription.cursor = answer.header("electric-cursor") ?? subscription.cursor
        for message in answer.changes {
            let key = message["key"] as! String
            let headers = message["headers"] as! [String: Any]
            let value = message["value"] as? [String: Any] ?? [:]
            subscription.operations.append(message)
            switch headers["operation"] as? String {
            case "insert": subscription.rows[key] = value
            case "update": subscription.rows[key, default: [:]].merge(value) { $1 }
            case "delete": subscription.rows[key] = nil
            default: break
            }
        }
        return answer
    }
}
