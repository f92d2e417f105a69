import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A loopback HTTP client sized for thousands of concurrent long-polls.
struct BenchmarkClient: Sendable {
    let http: HTTPClient
    let baseURL: String
    let secret: String

    init(baseURL: String, secret: String, connections: Int = 4096) {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(10), read: .seconds(90)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.baseURL = baseURL
        self.secret = secret
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    struct Answer: Sendable {
        let status: Int
        let headers: [String: String]
        let body: ByteBuffer
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> Answer {
        try await send(path, headers: headers)
    }

    func send(_ path: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: String? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await http.execute(request, timeout: .seconds(90))
        let body = try await response.body.collect(upTo: 1 << 30)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Answer(status: Int(response.status.code), headers: headers, body: body)
    }

    /// A subscription to one shape, as Electric's clients run it.
    struct Subscription: Sendable {
        let query: String
        var handle = ""
        var offset = "-1"
        var cursor = ""
        var rows = 0
    }

    func shapePath(_ subscription: Subscription, live: Bool) -> String {
        var path = "/v1/shape?\(subscription.query)&secret=\(secret)&offset=\(subscription.offset)"
        if subscription.offset != "-1" { path += "&handle=\(subscription.handle)" }
        if live { path += "&live=true&cursor=\(subscription.cursor)" }
        return path
    }

    /// One request; returns the body and advances the subscription.
    func poll(_ subscription: inout Subscription, live: Bool) async throws -> (Answer, upToDate: Bool) {
        let answer = try await get(shapePath(subscription, live: live))
        guard answer.status == 200 else {
            throw BenchmarkError("shape request answered \(answer.status): \(String(buffer: answer.body).prefix(200))")
        }
        subscription.handle = answer.headers["electric-handle"] ?? subscription.handle
        subscription.offset = answer.headers["electric-offset"] ?? subscription.offset
        subscription.cursor = answer.headers["electric-cursor"] ?? subscription.cursor
        return (answer, answer.headers["electric-up-to-date"] != nil)
    }

    /// Initial sync until up-to-date; counts the rows received.
    func subscribe(query: String) async throws -> Subscription {
        var subscription = Subscription(query: query)
        while true {
            let (answer, upToDate) = try await poll(&subscription, live: false)
            subscription.rows += Self.countChanges(answer.body)
            if upToDate { return subscription }
        }
    }

    /// Change messages in a body (each has a `"key":`).
    static func countChanges(_ body: ByteBuffer) -> Int {
        body.positions(after: #""key":"#).count
    }
}

extension ByteBuffer {
    /// Where the bytes after each occurrence of `key` start: enough JSON
    /// reading for a load generator.
    func positions(after key: String) -> [Int] {
        let needle = Array(key.utf8)
        var found: [Int] = []
        withUnsafeReadableBytes { bytes in
            guard bytes.count >= needle.count else { return }
            var index = 0
            while index <= bytes.count - needle.count {
                if bytes[index] == needle[0], (1..<needle.count).allSatisfy({ bytes[index + $0] == needle[$0] }) {
                    index += needle.count
                    found.append(index)
                } else {
                    index += 1
                }
            }
        }
        return found
    }

    /// The integers that follow each occurrence of `key` (e.g. `"txid":` or `"txids":[`).
    func integers(after key: String) -> [Int] {
        withUnsafeReadableBytes { bytes in
            positions(after: key).compactMap { start in
                var index = start, value = 0
                while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                    value = value * 10 + Int(bytes[index] - 0x30)
                    index += 1
                }
                return index > start ? value : nil
            }
        }
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
