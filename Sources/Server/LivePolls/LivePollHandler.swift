import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Takes live long-polls off a connection before they reach the router and
/// answers them through ``LivePolls``; every other request passes through.
///
/// It sits after Hummingbird's connection-state handler, so that handler
/// still counts an intercepted request as in progress (no idle close while a
/// poll is parked; a graceful shutdown closes the connection after its
/// answer). A poll is only taken when the router owes no answer on the
/// connection, and parts that arrive while a poll is open (a pipelining
/// client) wait for its answer, so answers always leave in request order.
final class LivePollHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum State {
        case idle
        /// The router is reading this request.
        case passing
        /// A poll's head arrived; its end has not.
        case reading(HTTPRequest, LivePolls.Route)
        /// A poll is being answered (or is parked).
        case answering
    }

    private let polls: LivePolls
    private var state = State.idle
    /// Requests handed to the router whose answer has not been written yet.
    private var routerRequests = 0
    /// What arrived while a poll was open, replayed after its answer: the
    /// router must not see a later request, a half-close or a parse error
    /// before the poll is answered (it would answer or close first).
    private enum Held {
        case part(HTTPRequestPart)
        case event(Any)
        case error(any Error)
    }

    private var held: [Held] = []
    /// Beyond this many held parts the connection stops reading until the
    /// poll is answered (a pipelining client cannot pile up memory here).
    private static let heldLimit = 8
    private var readPaused = false

    init(polls: LivePolls) {
        self.polls = polls
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        read(unwrapInboundIn(data), context: context)
    }

    /// Whether a poll is being answered. (While its head is being read, an
    /// error or a half-close goes on to the router: the poll never starts.)
    private var pollIsOpen: Bool {
        if case .answering = state { return true }
        return false
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard pollIsOpen else { return context.fireUserInboundEventTriggered(event) }
        held.append(.event(event))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard pollIsOpen else { return context.fireErrorCaught(error) }
        held.append(.error(error))
    }

    private func read(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch state {
        case .answering:
            held.append(.part(part))
        case .reading(let head, let route):
            // A GET's body, if a client sends one, is not read by the shape routes either.
            guard case .end = part else { return }
            state = .answering
            start(head, route: route, context: context)
        case .passing:
            if case .end = part { state = .idle }
            context.fireChannelRead(wrapInboundOut(part))
        case .idle:
            if case .head(let head) = part {
                if routerRequests == 0, let route = polls.route(head) {
                    state = .reading(head, route)
                    return
                }
                routerRequests += 1
                state = .passing
            }
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    func read(context: ChannelHandlerContext) {
        if held.count >= Self.heldLimit {
            readPaused = true
            return
        }
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Only the router's answers pass here; this handler's own go out below it.
        if case .end = unwrapOutboundIn(data) { routerRequests -= 1 }
        context.write(data, promise: promise)
    }

    private func start(_ head: HTTPRequest, route: LivePolls.Route, context: ChannelHandlerContext) {
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        let (polls, channel) = (self.polls, context.channel)
        let schedule: @Sendable (@escaping @Sendable () -> Void) -> Void = { work in loop.execute(work) }
        let deliver: @Sendable (HTTPResponse, ByteBuffer) -> Void = { response, body in
            // Always a hop, even from this loop: an answer given at once must not
            // re-enter this handler while it is still starting the poll.
            loop.execute { bound.value.handler.finish(response, body, context: bound.value.context) }
        }
        if polls.answerAtOnce(head, route: route, channel: channel, schedule: schedule, deliver: deliver) { return }
        Task {
            await polls.answer(
                head, route: route, channel: channel, schedule: schedule, deliver: deliver,
                handBack: {
                    loop.execute { bound.value.handler.handBack(head, context: bound.value.context) }
                })
        }
    }

    private func finish(_ response: HTTPResponse, _ body: ByteBuffer, context: ChannelHandlerContext) {
        guard case .answering = state else { return }
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(body)), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        let replays = !held.isEmpty
        resume(context: context)
        if replays { context.fireChannelReadComplete() }
    }

    /// The router answers this one after all: it gets the request as it came.
    private func handBack(_ head: HTTPRequest, context: ChannelHandlerContext) {
        guard case .answering = state else { return }
        routerRequests += 1
        context.fireChannelRead(wrapInboundOut(.head(head)))
        context.fireChannelRead(wrapInboundOut(.end(nil)))
        resume(context: context)
        // Outside a read cycle: the router's channel hands reads on only when one completes.
        context.fireChannelReadComplete()
    }

    /// Goes on with what arrived meanwhile.
    private func resume(context: ChannelHandlerContext) {
        state = .idle
        let parts = held
        held = []
        for (index, item) in parts.enumerated() {
            switch item {
            case .part(let part): read(part, context: context)
            case .event(let event): userInboundEventTriggered(context: context, event: event)
            case .error(let error): errorCaught(context: context, error: error)
            }
            if case .answering = state {
                // Another poll was taken: the rest waits for its answer.
                held = Array(parts[(index + 1)...]) + held
                break
            }
        }
        if readPaused && held.count < Self.heldLimit {
            readPaused = false
            context.read()
        }
    }
}
