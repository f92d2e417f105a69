import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import QACtlTestSupport

/// The servers of these tests: `qactl serve` processes from the shared test support.
typealias ServeProcess = TestServer

/// One HTTP exchange, read whole.
struct HTTPAnswer {
    let status: Int
    let headers: [String: String]
    let body: String

    /// The body as a JSON array of message objects.
    var messages: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]) ?? []
    }

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
    }

    /// Change messages only (no control messages).
    var changes: [[String: Any]] { messages.filter { $0["key"] != nil } }

    var controls: [String] {
        messages.compactMap { ($0["headers"] as? [String: Any])?["control"] as? String }
    }

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

enum HTTP {
    static func send(_ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: String? = nil, timeout: Duration = .seconds(40)) async throws -> HTTPAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
        var buffer = try await response.body.collect(upTo: 256 << 20)
        var headerMap: [String: String] = [:]
        for header in response.headers { headerMap[header.name.lowercased()] = header.value }
        return HTTPAnswer(status: Int(response.status.code), headers: headerMap, body: buffer.readString(length: buffer.readableBytes) ?? "")
    }
}
