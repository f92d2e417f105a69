import NIOCore
import NIOHTTP1
import NIOPosix

/// A keep-alive HTTP/1.1 connection driven by callbacks on its event loop:
/// the load generator of the closed-loop scenarios. The server shares this
/// machine's cores with its load, so the load must cost as little CPU as a
/// client on another machine would take from it; no tasks, no thread hops,
/// one request at a time as a browser's connection runs it. Touched only on
/// its event loop, hence the unchecked `Sendable`.
final class LoopbackHTTPConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    struct Answer {
        let status: Int
        let headers: HTTPHeaders
        let body: ByteBuffer
    }

    private var channel: (any Channel)?
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?
    private var onAnswer: ((Result<Answer, any Error>) -> Void)?
    private let host: String

    private init(host: String) { self.host = host }

    /// Connects to `host:port` on `eventLoop`; the connection is then used only there.
    static func connect(host: String, port: Int, on eventLoop: any EventLoop) -> EventLoopFuture<LoopbackHTTPConnection> {
        let connection = LoopbackHTTPConnection(host: "\(host):\(port)")
        return ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(connection)
                }
            }
            .connect(host: host, port: port)
            .map { channel in
                connection.channel = channel
                return connection
            }
    }

    /// Sends one request; `onAnswer` runs on the event loop with its answer or
    /// the connection's failure. One request at a time.
    func request(_ method: HTTPMethod, _ uri: String, headers: HTTPHeaders, body: ByteBuffer? = nil,
                 onAnswer: @escaping (Result<Answer, any Error>) -> Void) {
        guard let channel, channel.isActive else {
            onAnswer(.failure(LoopbackHTTPError.closed))
            return
        }
        precondition(self.onAnswer == nil, "one request at a time on a loopback connection")
        self.onAnswer = onAnswer
        var all = headers
        all.add(name: "host", value: host)
        if let body { all.add(name: "content-length", value: String(body.readableBytes)) }
        channel.write(OutboundOut.head(HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: all)), promise: nil)
        if let body { channel.write(OutboundOut.body(.byteBuffer(body)), promise: nil) }
        channel.writeAndFlush(OutboundOut.end(nil), promise: nil)
    }

    func close() {
        channel?.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
        case .body(var part):
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            guard let head, let onAnswer else { return }
            self.head = nil
            self.onAnswer = nil
            onAnswer(.success(Answer(status: Int(head.status.code), headers: head.headers, body: body ?? ByteBuffer())))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(LoopbackHTTPError.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    private func fail(_ error: any Error) {
        guard let onAnswer else { return }
        self.onAnswer = nil
        onAnswer(.failure(error))
    }
}

enum LoopbackHTTPError: Error, CustomStringConvertible {
    case closed

    var description: String { "the server closed the connection" }
}
