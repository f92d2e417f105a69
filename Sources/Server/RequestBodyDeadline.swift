import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Bounds how long a request body may take to arrive. A client that trickles
/// its body gets 408: when the deadline passes, ``RequestBodyTimeout`` ends
/// the body stream the route is reading (see `Request.collectBody`).
///
/// One event-loop timer per request that has a body, cancelled at the body's
/// end. Racing each read against `Task.sleep` instead cost two child tasks per
/// request and left a dispatch timer pending for the whole timeout after it:
/// tens of thousands of them under load.
final class RequestBodyDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if Self.hasBody(head) { arm(context: context) }
        case .body:
            break
        case .end:
            disarm()
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    private static func hasBody(_ head: HTTPRequest) -> Bool {
        if head.headerFields[.transferEncoding] != nil { return true }
        guard let length = head.headerFields[.contentLength] else { return false }
        return length != "0"
    }

    private func arm(context: ChannelHandlerContext) {
        disarm()
        let seconds = Self.seconds(timeout)
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            timer = nil
            context.fireErrorCaught(RequestBodyTimeout(seconds: seconds))
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}

extension RequestBodyDeadline {
    /// The body deadline for a server whose idle timeout is `idle`: a little
    /// shorter, so that a body that stops arriving gets its 408 before the
    /// idle timeout closes the connection without an answer.
    static func timeout(forIdle idle: TimeAmount) -> TimeAmount {
        // Both timers run on the connection's event loop in deadline order, so a little is enough.
        idle - min(.milliseconds(100), .nanoseconds(idle.nanoseconds / 10))
    }

    /// `timeout` in whole seconds, rounded, for messages (the idle timeout it was cut from).
    static func seconds(_ timeout: TimeAmount) -> Int {
        let (whole, rest) = timeout.nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        return Int(whole) + (rest >= 500_000_000 ? 1 : 0)
    }
}

/// The error a body stream ends with when its body was too slow to arrive.
struct RequestBodyTimeout: Error, CustomStringConvertible {
    let seconds: Int

    var description: String { "the request body did not arrive within \(seconds) s" }
}

/// Puts the connection's own handlers right after Hummingbird's
/// connection-state handler (so that it still counts their requests as in
/// progress): a ``DirectRequestHandler`` when live polls or sends are taken off
/// the router, then a ``RequestBodyDeadline`` for what goes on to the router.
/// Hummingbird adds its handler after the server's own, so this one goes among
/// those and moves the others into place on the connection's first read, once
/// the pipeline is whole.
final class ConnectionHandlersInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let polls: LivePolls?
    private let sends: QuestionSends?
    private let bodyTimeout: TimeAmount

    init(polls: LivePolls?, sends: QuestionSends?, bodyTimeout: TimeAmount) {
        self.polls = polls
        self.sends = sends
        self.bodyTimeout = bodyTimeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let operations = context.pipeline.syncOperations
        if let state = try? operations.handler(type: HTTPConnectionStateHandler.self) {
            // Added in reverse order, each right after the state handler.
            try? operations.addHandler(RequestBodyDeadline(timeout: bodyTimeout), position: .after(state))
            if polls != nil || sends != nil {
                try? operations.addHandler(DirectRequestHandler(polls: polls, sends: sends, bodyTimeout: bodyTimeout), position: .after(state))
            }
        }
        context.fireChannelRead(data)
        operations.removeHandler(context: context, promise: nil)
    }
}
