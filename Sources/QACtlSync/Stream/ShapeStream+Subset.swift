import Foundation
import NIOHTTP1
import ShapeWire

/// The rows of a ``SubsetQuery`` as the server read them, with what its
/// snapshot already contained.
public struct SubsetSnapshot: Sendable {
    /// The rows, as inserts, in the query's order.
    public let changes: [ChangeMessage]
    /// Which transactions the rows already reflect: a later log change of one
    /// of these rows from such a transaction is a duplicate.
    public let bounds: SnapshotBounds
    /// The WAL (or commit) position of the snapshot: once the stream's
    /// `global_last_seen_lsn` passes it, no duplicate can arrive any more.
    public let databaseLSN: UInt64?
}

extension ShapeStream {
    /// Reads the rows `subset` selects from this stream's shape now (a subset
    /// snapshot, sent as a POST so long clauses fit). Retries a 401 with a
    /// fresh token, and 409, 429 and 5xx a few times.
    public func fetchSubset(_ subset: SubsetQuery) async throws -> SubsetSnapshot {
        var components = URLComponents(string: configuration.url) ?? URLComponents()
        var items = configuration.parameters.map { URLQueryItem(name: $0.key, value: $0.value) }
        items.append(URLQueryItem(name: ShapeParameter.offset, value: "now"))
        if configuration.syncMode == .onDemand, configuration.parameters[ShapeParameter.log] == nil {
            items.append(URLQueryItem(name: ShapeParameter.log, value: "changes_only"))
        }
        components.queryItems = items.sorted { $0.name < $1.name }
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        let url = components.string ?? configuration.url
        let body = try JSONSerialization.data(withJSONObject: subset.body, options: [.sortedKeys])
        var attempt = 0
        while true {
            attempt += 1
            var headers = configuration.headers.map { ($0.key, $0.value) } + [("content-type", "application/json")]
            var token: String?
            if let authorization = configuration.authorization {
                token = try await authorization.token()
                headers.append(("authorization", "Bearer \(token!)"))
            }
            let answer = try await transport.send(.POST, url, headers: headers, body: body, timeout: configuration.requestTimeout)
            switch answer.status {
            case 200:
                return try Self.decodeSubset(answer.body)
            case 401 where attempt <= configuration.maxUnauthorizedRetries && token != nil:
                await configuration.authorization?.refused(token!)
            case 409, 408, 429, 500..<600 where attempt <= 4:
                try await Task.sleep(for: configuration.backoff.delay(attempt: attempt - 1, retryAfter: Backoff.retryAfter(answer.headers["retry-after"])))
            default:
                let text = String(decoding: answer.body.prefix(2000), as: UTF8.self)
                throw ShapeStreamError(
                    answer.status == 400 ? .badRequest : answer.status == 403 ? .forbidden : .unexpectedStatus,
                    "the shape server refused the subset (\(answer.status)): \(text)", status: answer.status)
            }
        }
    }

    /// `{"metadata": {xmin, xmax, xip_list, database_lsn, …}, "data": [messages]}`.
    static func decodeSubset(_ body: Data) throws -> SubsetSnapshot {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let metadata = object["metadata"] as? [String: Any], let data = object["data"] as? [Any] else {
            throw ShapeStreamError(.invalidBody, "a subset answer must be {\"metadata\": …, \"data\": […]}: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        func number(_ value: Any?) -> UInt64? {
            if let text = value as? String { return UInt64(text) }
            return (value as? NSNumber)?.uint64Value
        }
        guard let xmin = number(metadata["xmin"]), let xmax = number(metadata["xmax"]) else {
            throw ShapeStreamError(.invalidBody, "a subset answer's metadata lacks xmin or xmax")
        }
        let inProgress = (metadata["xip_list"] as? [Any] ?? []).compactMap(number)
        let rows = try IncomingMessage.decodeBody(try JSONSerialization.data(withJSONObject: data))
        let changes = rows.compactMap { message -> ChangeMessage? in
            if case .change(let change) = message { return change }
            return nil
        }
        return SubsetSnapshot(
            changes: changes, bounds: SnapshotBounds(xmin: xmin, xmax: xmax, inProgress: Set(inProgress)),
            databaseLSN: number(metadata["database_lsn"]))
    }
}
