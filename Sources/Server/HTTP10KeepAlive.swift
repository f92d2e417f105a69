import NIOCore
import NIOHTTP1

/// What HTTP/1.0 means for the rest of the server, which sees HTTP types
/// without a version: the connection closes after each response unless the
/// request asked for keep-alive (an explicit `connection: close` is added,
/// which the server honours), and a missing Host is allowed (marked with
/// ``versionHeader``, which a client cannot set itself).
final class HTTP10KeepAlive: ChannelInboundHandler, RemovableChannelHandler {
    static let versionHeader = "qactl-http-version"

    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    static func install(in pipeline: ChannelPipeline) {
        let operations = pipeline.syncOperations
        guard let decoder = try? operations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self) else { return }
        try? operations.addHandler(HTTP10KeepAlive(), position: .after(decoder))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        head.headers.remove(name: Self.versionHeader)
        if head.version == .http1_0 {
            head.headers.add(name: Self.versionHeader, value: "1.0")
            if !head.isKeepAlive { head.headers.replaceOrAdd(name: "connection", value: "close") }
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }
}
