import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP answer, read whole.
struct HTTPAnswer: Sendable {
    var status: Int
    /// Header names lower-cased; the first value of each.
    var headers: [String: String]
    var body: Data
}

/// The few HTTP calls this module makes, over AsyncHTTPClient.
struct HTTPTransport: Sendable {
    let client: HTTPClient

    /// Largest body read: a shape chunk is about 10 MiB by default, a snapshot chunk never more than a few.
    static let maxBodyBytes = 256 << 20

    func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: Data? = nil, timeout: Duration
    ) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: .nanoseconds(Int64(Backoff.seconds(timeout) * 1e9)))
        let buffer = try await response.body.collect(upTo: Self.maxBodyBytes)
        var fields: [String: String] = [:]
        for header in response.headers where fields[header.name.lowercased()] == nil {
            fields[header.name.lowercased()] = header.value
        }
        return HTTPAnswer(status: Int(response.status.code), headers: fields, body: Data(buffer.readableBytesView))
    }

    /// A GET whose `text/event-stream` body is read as it arrives; any other
    /// answer is read whole.
    enum Opened: Sendable {
        case events(headers: [String: String], body: HTTPClientResponse.Body)
        case answer(HTTPAnswer)
    }

    func openEvents(_ url: String, headers: [(String, String)], timeout: Duration) async throws -> Opened {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "accept", value: "text/event-stream")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await client.execute(request, timeout: .nanoseconds(Int64(Backoff.seconds(timeout) * 1e9)))
        var fields: [String: String] = [:]
        for header in response.headers where fields[header.name.lowercased()] == nil {
            fields[header.name.lowercased()] = header.value
        }
        if response.status == .ok, fields["content-type"]?.hasPrefix("text/event-stream") == true {
            return .events(headers: fields, body: response.body)
        }
        let buffer = try await response.body.collect(upTo: Self.maxBodyBytes)
        return .answer(HTTPAnswer(status: Int(response.status.code), headers: fields, body: Data(buffer.readableBytesView)))
    }
}
