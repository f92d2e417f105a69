import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Takes the requests answered outside the router off a connection before
/// they reach it: live long-polls (``LivePolls``) and sends (``QuestionSends``).
/// Every other request passes through, and so does one of these that its
/// answerer gives back.
///
/// It sits after Hummingbird's connection-state handler, so that handler
/// still counts a taken request as in progress (no idle close while a poll
/// is parked; a graceful shutdown closes the connection after its answer).
/// A request is only taken when the router owes no answer on the connection,
/// and parts that arrive while one is open (a pipelining client) wait for its
/// answer, so answers always leave in request order.
final class DirectRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// What a taken request is.
    private enum Taken {
        case poll(LivePolls.Route)
        /// A send, with its body so far and when its head arrived (its duration counts from there).
        case send(ByteBuffer, since: ContinuousClock.Instant)
    }

    private enum State {
        case idle
        /// The router is reading this request.
        case passing
        /// A taken request's head arrived; its end has not.
        case reading(HTTPRequest, Taken)
        /// A taken request is being answered (or a poll is parked).
        case answering
    }

    private let polls: LivePolls?
    private let sends: QuestionSends?
    /// How long a send's body may take to arrive (``RequestBodyDeadline`` times the router's).
    private let bodyTimeout: TimeAmount
    private var bodyTimer: Scheduled<Void>?
    private var state = State.idle
    /// Requests handed to the router whose answer has not been written yet.
    private var routerRequests = 0
    /// What arrived while a taken request was open, replayed after its answer:
    /// the router must not see a later request, a half-close or a parse error
    /// before it is answered (it would answer or close first).
    private enum Held {
        case part(HTTPRequestPart)
        case event(Any)
        case error(any Error)
    }

    private var held: [Held] = []
    /// Beyond this many held parts the connection stops reading until the
    /// open request is answered (a pipelining client cannot pile up memory here).
    private static let heldLimit = 8
    private var readPaused = false

    init(polls: LivePolls?, sends: QuestionSends?, bodyTimeout: TimeAmount) {
        self.polls = polls
        self.sends = sends
        self.bodyTimeout = bodyTimeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        read(unwrapInboundIn(data), context: context)
    }

    /// Whether a taken request is being answered. (While a poll's head is
    /// being read, an error or a half-close goes on to the router: the poll never starts.)
    private var requestIsOpen: Bool {
        if case .answering = state { return true }
        return false
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard requestIsOpen else { return context.fireUserInboundEventTriggered(event) }
        held.append(.event(event))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard requestIsOpen else { return context.fireErrorCaught(error) }
        held.append(.error(error))
    }

    private func read(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch state {
        case .answering:
            held.append(.part(part))
        case .reading(let head, .poll(let route)):
            // A GET's body, if a client sends one, is not read by the shape routes either.
            guard case .end = part else { return }
            state = .answering
            start(head, route: route, context: context)
        case .reading(let head, .send(var body, let since)):
            switch part {
            case .head:
                break
            case .body(var chunk):
                // Its length was checked at the head, and the HTTP decoder holds the client to
                // it. The state lets go of the buffer first, so that appending does not copy it.
                state = .idle
                body.writeBuffer(&chunk)
                state = .reading(head, .send(body, since: since))
            case .end:
                disarmBodyTimer()
                state = .answering
                start(head, body: body, since: since, context: context)
            }
        case .passing:
            if case .end = part { state = .idle }
            context.fireChannelRead(wrapInboundOut(part))
        case .idle:
            if case .head(let head) = part {
                if routerRequests == 0, let taken = take(head) {
                    state = .reading(head, taken)
                    if case .send = taken { armBodyTimer(head, context: context) }
                    return
                }
                routerRequests += 1
                state = .passing
            }
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    private func take(_ head: HTTPRequest) -> Taken? {
        if let polls, let route = polls.route(head) { return .poll(route) }
        if let sends, sends.takes(head) {
            var body = ByteBuffer()
            if let length = head.headerFields[.contentLength].flatMap({ Int($0) }) { body.reserveCapacity(length) }
            return .send(body, since: .now)
        }
        return nil
    }

    /// A send whose body does not arrive in time gets the router's 408, and the
    /// connection is closed (``QuestionSends/bodyTimedOut(_:seconds:since:)``).
    private func armBodyTimer(_ head: HTTPRequest, context: ChannelHandlerContext) {
        let (start, seconds) = (ContinuousClock.now, RequestBodyDeadline.seconds(bodyTimeout))
        bodyTimer = context.eventLoop.assumeIsolated().scheduleTask(in: bodyTimeout) { [self] in
            bodyTimer = nil
            guard case .reading = state, let sends else { return }
            state = .answering
            let (response, body) = sends.bodyTimedOut(head, seconds: seconds, since: start)
            finish(response, body, context: context)
            context.close(promise: nil)
        }
    }

    private func disarmBodyTimer() {
        bodyTimer?.cancel()
        bodyTimer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarmBodyTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarmBodyTimer()
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
        // Never below 0: the router also answers what it never saw as a request (a parse error).
        if case .end = unwrapOutboundIn(data) { routerRequests = max(0, routerRequests - 1) }
        context.write(data, promise: promise)
    }

    /// Hands the taken request's answer back to this handler on its loop.
    /// Always a hop, even from this loop: an answer given at once must not
    /// re-enter this handler while it is still starting the request.
    private func deliverer(context: ChannelHandlerContext) -> @Sendable (HTTPResponse, ByteBuffer) -> Void {
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        return { response, body in
            loop.execute { bound.value.handler.finish(response, body, context: bound.value.context) }
        }
    }

    private func start(_ head: HTTPRequest, route: LivePolls.Route, context: ChannelHandlerContext) {
        guard let polls else { return }
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        let channel = context.channel
        let schedule: @Sendable (@escaping @Sendable () -> Void) -> Void = { work in loop.execute(work) }
        let deliver = deliverer(context: context)
        if polls.answerAtOnce(head, route: route, channel: channel, schedule: schedule, deliver: deliver) { return }
        Task {
            await polls.answer(
                head, route: route, channel: channel, schedule: schedule, deliver: deliver,
                handBack: {
                    loop.execute { bound.value.handler.handBack(head, body: nil, context: bound.value.context) }
                })
        }
    }

    private func start(_ head: HTTPRequest, body: ByteBuffer, since: ContinuousClock.Instant, context: ChannelHandlerContext) {
        guard let sends, sends.answer(head, body: body, since: since, deliver: deliverer(context: context)) else {
            return handBack(head, body: body, context: context)
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
    private func handBack(_ head: HTTPRequest, body: ByteBuffer?, context: ChannelHandlerContext) {
        guard case .answering = state else { return }
        routerRequests += 1
        context.fireChannelRead(wrapInboundOut(.head(head)))
        if let body, body.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(.body(body))) }
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
                // Another request was taken: the rest waits for its answer.
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
