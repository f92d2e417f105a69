import Logging
import NIOCore
import NIOHTTP1
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Caps open client connections so that sockets (slow or idle clients, an
/// attack) can never take the descriptors the database, the replication
/// connection and the log files need. A connection over the cap is closed at
/// once; the first refusal in a burst is logged.
final class ConnectionLimiter: Sendable {
    let limit: Int
    /// Whether each open connection's client is still there.
    let presences = ClientPresenceRegistry()
    private let open = Atomic<Int>(0)
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
            logger.warning("connection limit reached: new connections are closed until some end", metadata: ["limit": "\(limit)"])
        }
        return false
    }

    func release() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }

    /// The per-connection handler: admits on activation, releases on close.
    func handler() -> Handler { Handler(limiter: self) }

    final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny
        let limiter: ConnectionLimiter
        private var admitted = false
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

        func channelInactive(context: ChannelHandlerContext) {
            if admitted {
                admitted = false
                limiter.release()
            }
            presence?.markGone()
            limiter.presences.remove(context.channel)
            context.fireChannelInactive()
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            // The client closed its side: nobody will read what a waiting request answers.
            if case ChannelEvent.inputClosed = event { presence?.markGone() }
            context.fireUserInboundEventTriggered(event)
        }

        private func admit(_ context: ChannelHandlerContext) {
            if limiter.admit() {
                admitted = true
                presence = limiter.presences.register(context.channel)
            } else {
                context.close(promise: nil)
            }
        }
    }
}
