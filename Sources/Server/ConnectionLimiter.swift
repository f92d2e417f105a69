import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Caps open client connections so that sockets (slow or idle clients, an
/// attack) can never take the descriptors the database, the replication
/// connection and the log files need. A connection over the cap has its
/// request answered 503 with a jittered `retry-after` and is then closed, so
/// clients back off rather than see a reset; beyond ``refusalLimit`` such
/// connections at once, the surplus is closed without an answer. The first
/// refusal in a burst is logged.
final class ConnectionLimiter: Sendable {
    let limit: Int
    /// Connections over the cap that may wait for their request's head to
    /// be answered 503 (each holds a descriptor until then, at most the idle timeout).
    static let refusalLimit = 64
    /// Whether each open connection's client is still there.
    let presences = ClientPresenceRegistry()
    private let open = Atomic<Int>(0)
    private let refusing = Atomic<Int>(0)
    private let lastWarning = Mutex<ContinuousClock.Instant?>(nil)
    let logger: Logger

    init(limit: Int, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    /// The cap for this process: `configured`, but no more than the file
    /// descriptor limit (raised to its hard maximum first) leaves room for.
    static func cap(configured: Int) -> Int {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return configured }
        if limits.rlim_cur < limits.rlim_max {
            var raised = limits
            raised.rlim_cur = limits.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limits = raised }
        }
        // Descriptors for everything but client sockets: database pools, WAL files, replication, logs, answerers.
        let reserve = 128
        let available = limits.rlim_cur >= rlim_t(Int.max) ? configured : Int(clamping: limits.rlim_cur) - reserve
        return max(16, min(configured, available))
    }

    /// Counts a new connection; false when it is over the cap.
    func admit() -> Bool {
        let count = open.wrappingAdd(1, ordering: .relaxed).newValue
        guard count > limit else { return true }
        open.wrappingSubtract(1, ordering: .relaxed)
        let now = ContinuousClock.now
        let warn = lastWarning.withLock { last -> Bool in
            guard last.map({ now - $0 > .seconds(10) }) ?? true else { return false }
            last = now
            return true
        }
        if warn {
            logger.warning("connection limit reached: new connections are answered 503 until some end", metadata: ["limit": "\(limit)"])
        }
        return false
    }

    func release() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Counts a connection over the cap that will be answered 503; false when
    /// too many already wait for that (it is then closed at once).
    func beginRefusal() -> Bool {
        let count = refusing.wrappingAdd(1, ordering: .relaxed).newValue
        guard count > Self.refusalLimit else { return true }
        refusing.wrappingSubtract(1, ordering: .relaxed)
        return false
    }

    func endRefusal() {
        refusing.wrappingSubtract(1, ordering: .relaxed)
    }

    /// The answer to a request on a connection over the cap.
    func refusal() -> (HTTPResponse, ByteBuffer) {
        APIError.unavailable(
            "the server has reached its limit of \(limit) open connections; try again shortly",
            // Jittered, so that refused clients do not all come back at once.
            retryAfter: Int.random(in: 1...3)
        ).closingResponse()
    }

    /// The per-connection handler: admits on activation, releases on close.
    func handler() -> Handler { Handler(limiter: self) }

    final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        typealias OutboundOut = HTTPResponsePart
        let limiter: ConnectionLimiter
        private var admitted = false
        /// Over the cap: the request is answered 503 here and goes no further.
        private var refusing = false
        private var answered = false
        private var presence: ClientPresence?

        init(limiter: ConnectionLimiter) {
            self.limiter = limiter
        }

        func handlerAdded(context: ChannelHandlerContext) {
            HTTP10KeepAlive.install(in: context.pipeline)
            // Reads start at 512 bytes (a request head; larger ones grow the
            // buffer): NIO keeps each connection's read buffer for its whole
            // life, and a parked long-poll's connection would hold 2 KB of it.
            try? context.channel.syncOptions?.setOption(
                ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536))
            guard context.channel.isActive, !admitted else { return }
            admit(context)
        }

        func channelActive(context: ChannelHandlerContext) {
            if !admitted { admit(context) }
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard refusing else {
                context.fireChannelRead(data)
                return
            }
            guard case .head = unwrapInboundIn(data), !answered else { return }
            answered = true
            let (head, body) = limiter.refusal()
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(body)), promise: nil)
            // Only our side is closed: closing both with the request's body
            // unread could reset the connection before the client reads the
            // answer. The client's close, or the idle timeout, ends it.
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(mode: .output, promise: nil) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            // A refused connection's garbage gets no answer: it is closed.
            if refusing { context.close(promise: nil) } else { context.fireErrorCaught(error) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            if admitted {
                admitted = false
                limiter.release()
            }
            if refusing {
                refusing = false
                limiter.endRefusal()
            }
            presence?.markGone()
            limiter.presences.remove(context.channel)
            context.fireChannelInactive()
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            // The client closed its side: nobody will read what a waiting request answers.
            if case ChannelEvent.inputClosed = event {
                presence?.markGone()
                if refusing { context.close(promise: nil) }
            }
            context.fireUserInboundEventTriggered(event)
        }

        private func admit(_ context: ChannelHandlerContext) {
            if limiter.admit() {
                admitted = true
                presence = limiter.presences.register(context.channel)
            } else if limiter.beginRefusal() {
                refusing = true
            } else {
                context.close(promise: nil)
            }
        }
    }
}
