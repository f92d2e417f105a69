import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

@testable import Answering

/// A chat completions server on 127.0.0.1 (port chosen by the system) that speaks the real
/// streaming format. The first path segment picks the behaviour, so one base URL per
/// scenario: `http://127.0.0.1:PORT/<scenario>/v1`.
final class TestChatServer: Sendable {
    /// One request as the server received it.
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [(String, String)]
        var body: Data

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    enum Scenario: String, CaseIterable {
        /// A normal stream in several awkwardly cut chunks, ending with `[DONE]`.
        case normal
        /// HTTP 500 with an OpenAI-style error body.
        case error500
        /// One piece, then the connection is closed without `[DONE]`.
        case cut
        /// One piece, then a properly ended response that never said `[DONE]`.
        case noDone
        /// One piece, then nothing at all while the connection stays open until the client leaves.
        case stall
        /// An error event in the middle of the stream.
        case errorEvent
        /// A server that ignores `stream: true` and sends the whole completion as JSON.
        case whole
    }

    let port: Int
    let requests = Mutex<[Request]>([])
    /// How many connections have ended (closed by either side).
    let closedConnections = Mutex(0)

    init(port: Int) {
        self.port = port
    }

    func baseURL(_ scenario: Scenario) -> String { "http://127.0.0.1:\(port)/\(scenario.rawValue)/v1" }

    /// Runs `body` against a fresh server, which is shut down afterwards.
    static func with<Result: Sendable>(_ body: @Sendable (TestChatServer) async throws -> Result) async throws -> Result {
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        let server = TestChatServer(
            port: listener.channel.localAddress?.port ?? 0)
        return try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask {
                try await listener.executeThenClose { connections in
                    try await withThrowingDiscardingTaskGroup { handlers in
                        for try await connection in connections {
                            handlers.addTask {
                                try? await server.serve(connection)
                                server.closedConnections.withLock { $0 += 1 }
                            }
                        }
                    }
                }
            }
            defer { group.cancelAll() }
            return try await body(server)
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body = Data()
            for try await part in inbound {
                switch part {
                case .head(let received):
                    head = received
                    body = Data()
                case .body(let buffer):
                    body.append(contentsOf: buffer.readableBytesView)
                case .end:
                    guard let head else { return }
                    requests.withLock {
                        $0.append(Request(
                            method: head.method.rawValue, uri: head.uri,
                            headers: head.headers.map { ($0.name, $0.value) }, body: body))
                    }
                    let name = head.uri.split(separator: "/").first.map(String.init) ?? ""
                    guard let scenario = Scenario(rawValue: name) else { return }
                    let keepOpen = try await respond(scenario, outbound)
                    if !keepOpen { return }
                }
            }
        }
    }

    /// Writes the scenario's response; false when the connection is to be closed afterwards.
    private func respond(
        _ scenario: Scenario,
        _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws -> Bool {
        func head(_ status: HTTPResponseStatus, _ contentType: String, length: Int? = nil) async throws {
            var headers = HTTPHeaders([("Content-Type", contentType)])
            if let length { headers.add(name: "Content-Length", value: "\(length)") }
            try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)))
        }
        func chunk(_ bytes: [UInt8]) async throws {
            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes))))
            try await Task.sleep(for: .milliseconds(15))
        }
        func chunk(_ text: String) async throws { try await chunk(Array(text.utf8)) }

        switch scenario {
        case .normal:
            try await head(.ok, "text/event-stream")
            try await chunk(": keep-alive comment\n\n")
            try await chunk(#"data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":null}}]}"# + "\n\n")
            try await chunk(#"data: {"choices":[{"index":0,"delta":{"content":"Hel"#)
            try await chunk(#"lo"},"finish_reason":null}],"usage":null,"x_unknown":{"nested":[1,2]}}"# + "\r\n\r")
            try await chunk("\n" + #"data: {"choices":[{"delta":{"content":", w\u00f6rld"}}]}"# + "\n\n")
            let cafe = Array((#"data: {"choices":[{"delta":{"content":" café"}}]}"# + "\n\n").utf8)
            let split = cafe.firstIndex(of: 0xC3).map { $0 + 1 } ?? cafe.count / 2
            try await chunk(Array(cafe[..<split]))
            try await chunk(Array(cafe[split...]))
            try await chunk(#"data: {"choices":[{"delta":{"content":""}}]}"# + "\n\n")
            try await chunk(#"data: {"choices":[{"delta":{},"finish_reason":"stop"}]}"# + "\n\n")
            try await chunk("data: [DONE]\n\n")
            try await outbound.write(.end(nil))
            return true
        case .error500:
            let body = #"{"error":{"message":"model overloaded","type":"server_error","code":null}}"#
            try await head(.internalServerError, "application/json", length: body.utf8.count)
            try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body))))
            try await outbound.write(.end(nil))
            return true
        case .cut:
            try await head(.ok, "text/event-stream")
            try await chunk(#"data: {"choices":[{"delta":{"content":"Half an"}}]}"# + "\n\n")
            try await chunk(#"data: {"choices":[{"delta":{"con"#)
            return false
        case .noDone:
            try await head(.ok, "text/event-stream")
            try await chunk(#"data: {"choices":[{"delta":{"content":"Almost"}}]}"# + "\n\n")
            try await outbound.write(.end(nil))
            return true
        case .stall:
            try await head(.ok, "text/event-stream")
            try await chunk(#"data: {"choices":[{"delta":{"content":"Thinking"}}]}"# + "\n\n")
            // Keep reading the (empty) request side: it ends when the client goes away.
            return true
        case .errorEvent:
            try await head(.ok, "text/event-stream")
            try await chunk(#"data: {"choices":[{"delta":{"content":"Partial"}}]}"# + "\n\n")
            try await chunk(#"data: {"error":{"message":"context length exceeded"}}"# + "\n\n")
            try await outbound.write(.end(nil))
            return true
        case .whole:
            let body = #"{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"All at once."}}]}"#
            try await head(.ok, "application/json; charset=utf-8", length: body.utf8.count)
            try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body))))
            try await outbound.write(.end(nil))
            return true
        }
    }
}
