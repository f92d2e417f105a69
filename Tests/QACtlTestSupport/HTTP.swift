import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP exchange, read whole.
public struct ServerAnswer: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: String

    /// The body as a JSON array of message objects.
    public var messages: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]) ?? []
    }

    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
    }

    /// Change messages only (no control messages).
    public var changes: [[String: Any]] { messages.filter { $0["key"] != nil } }

    public var controls: [String] {
        messages.compactMap { ($0["headers"] as? [String: Any])?["control"] as? String }
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

public enum HTTP {
    /// `resendsOnStaleConnection`: send again, once, when the pooled keep-alive connection
    /// turns out closed by the server (an idle close); reads always are.
    public static func send(
        _ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: String? = nil, timeout: Duration = .seconds(40),
        resendsOnStaleConnection: Bool = false
    ) async throws -> ServerAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let deadline = TimeAmount.seconds(Int64(timeout.components.seconds))
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(request, timeout: deadline)
        } catch where isStaleConnection(error) && (resendsOnStaleConnection || method == .GET || method == .HEAD) {
            // The shared pool may hand out a keep-alive connection that the server closed as it
            // was taken (idle close, restart): the request never reached it, and is sent again once,
            // as browsers do.
            response = try await HTTPClient.shared.execute(request, timeout: deadline)
        }
        var buffer = try await response.body.collect(upTo: 256 << 20)
        var headerMap: [String: String] = [:]
        for header in response.headers { headerMap[header.name.lowercased()] = header.value }
        return ServerAnswer(status: Int(response.status.code), headers: headerMap, body: buffer.readString(length: buffer.readableBytes) ?? "")
    }

    /// How a request on a connection the server already closed fails: seen as the
    /// close arriving (`remoteConnectionClosed`) or as the write failing (`ioOnClosedChannel`).
    private static func isStaleConnection(_ error: any Error) -> Bool {
        (error as? HTTPClientError) == .remoteConnectionClosed || (error as? ChannelError) == .ioOnClosedChannel
    }
}
