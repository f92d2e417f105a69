import Foundation
import Logging
import ShapeWire
import Synchronization
import SyncModel
/// The embedded sync service: every shape, fed with committed transactions in
/// commit order, answering `/v1/shape` calls.
///
/// ```swift
/// let sync = SyncService(store: store, configuration: .init(secret: "s3cret"))
/// try await sync.start()              // restore shapes, catch up with the change log
/// Task { await sync.run() }           // follow new commits
/// let answer = await sync.respond(call, trusted: false)
/// ```
public actor SyncService {
    /// Why the feed woke: this process committed, or it is time to look for other processes' commits.
    enum FeedWake: Sendable {
        case commit, tick
    }

    public struct Configuration: Sendable {
        /// Required in `?secret=` on untrusted calls; nil refuses every untrusted caller.
        public var secret: String?
        public var longPollTimeout: Duration
        /// Snapshot and log chunks close at about this size.
        public var chunkBytes: Int
        /// How often to look for commits made by other processes.
        public var pollInterval: Duration

        /// Requests that create a shape or read its snapshot, at once (Electric's "initial").
        public var maxSnapshotRequests: Int
        /// Live requests (parked long-polls), at once.
        public var maxLiveRequests: Int
        /// A shape not read for this long is dropped (its clients refetch).
        public var shapeTTL: Duration
        /// Beyond this many shapes, the least recently read are dropped.
        public var maxShapes: Int
        /// How long an SSE live response streams before the server closes it
        /// (the client reconnects from its last up-to-date).
        public var sseTimeout: Duration
        /// A `: keep-alive` comment goes out after this much silence on an SSE
        /// stream (and at most the long-poll timeout), so proxies keep it open.
        public var sseKeepAlive: Duration { min(.seconds(21), longPollTimeout) }
        /// Whether `DELETE /v1/shape` is allowed (to callers with the secret).
        public var allowsShapeDeletion: Bool
        /// Where shape logs are kept on disk (a file per shape); nil keeps
        /// them whole in memory and rebuilds them from the change log on start.
        public var shapeDirectory: String?
        /// A shape keeps at most about this many bytes of its newest log
        /// entries in memory; older ones are read back from its file.
        public var logTailBytes: Int

        public init(
            secret: String? = nil, longPollTimeout: Duration = .seconds(20), chunkBytes: Int = 10 << 20, pollInterval: Duration = .milliseconds(50),
            maxSnapshotRequests: Int = 300, maxLiveRequests: Int = 10_000, shapeTTL: Duration = .seconds(24 * 3600), maxShapes: Int = 50_000,
            sseTimeout: Duration = .seconds(60), allowsShapeDeletion: Bool = false, shapeDirectory: String? = nil, logTailBytes: Int = 64 << 10
        ) {
            self.shapeDirectory = shapeDirectory
            self.logTailBytes = logTailBytes
            self.sseTimeout = sseTimeout
            self.allowsShapeDeletion = allowsShapeDeletion
            self.secret = secret
            self.longPollTimeout = longPollTimeout
            self.chunkBytes = chunkBytes
            self.pollInterval = pollInterval
            self.maxSnapshotRequests = maxSnapshotRequests
            self.maxLiveRequests = maxLiveRequests
            self.shapeTTL = shapeTTL
            self.maxShapes = maxShapes
        }
    }

    let store: any ShapeSource
    let configuration: Configuration
    let tables: [TableSchema]
    let logger: Logger
    nonisolated let resolvedShapes = ResolvedShapeCache()

    // The registry: isolated to the actor. Each shape's own state is behind its lock (``Shape``).
    var shapes: [String: Shape] = [:]
    var handleByIdentity: [String: String] = [:]
    var router = ShapeRouter()
    /// The change-log sequence up to which every transaction has been applied.
    var position: Int64 = 0
    var nextWaiterID = 0
    var feedWaiter: CheckedContinuation<FeedWake, Never>?
    /// A wake that came while the feed was busy, for its next wait.
    var feedWake: FeedWake?
    var readinessWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
    var lastApplyLag: Duration?
    /// The change-log position below which the log was last compacted.
    var compactedBelow: Int64 = 0
    var pendingPersists = 0
    var persistWaiters: [CheckedContinuation<Void, Never>] = []

    // Read by calls without visiting the actor.
    /// The newest commit position every shape has been given (stored after
    /// the transaction is in their logs, so an up-to-date at this position
    /// never runs ahead of a log).
    nonisolated let appliedLSN = Atomic<UInt64>(0)
    nonisolated let caughtUp = Atomic(false)
    nonisolated let stopping = Atomic(false)
    /// Requests in flight, for admission control.
    nonisolated let snapshotRequestCount = Atomic(0)
    nonisolated let liveRequestCount = Atomic(0)
    nonisolated let pokeInFlight = Atomic(false)
    nonisolated let timer = LongPollTimer()
    /// The registry's shapes by handle, readable off the actor (kept with
    /// `shapes` by ``register(_:)`` and ``retire(_:reason:)``): a live poll
    /// naming its shape's handle is taken without visiting the actor.
    nonisolated let currentShapes = Mutex<[String: Shape]>([:])
    /// Recent transactions, for the inspector (SyncService+Inspection).
    nonisolated let timeline = Mutex(TransactionTimeline())

    /// The newest commit position seen.
    public nonisolated var lastSeenLSN: UInt64 { appliedLSN.load(ordering: .acquiring) }
    nonisolated var isCaughtUp: Bool { caughtUp.load(ordering: .acquiring) }
    nonisolated var isShuttingDown: Bool { stopping.load(ordering: .acquiring) }
    public nonisolated var liveRequests: Int { liveRequestCount.load(ordering: .relaxed) }
    public nonisolated var snapshotRequests: Int { snapshotRequestCount.load(ordering: .relaxed) }

    public init(store: any ShapeSource, configuration: Configuration = Configuration(), logger: Logger = Logger(label: "qactl.sync")) {
        self.store = store
        self.configuration = configuration
        self.tables = store.tables
        self.logger = logger
    }

    /// Restores persisted shapes and positions the feed so their logs are rebuilt.
    public func start() async throws {
        let records = try await store.loadShapes()
        var restored = 0
        var dropped: [String] = []
        for record in records {
            guard let definition = try? JSONDecoder().decode(ShapeDefinition.self, from: record.definition),
                let table = tables.first(where: { $0.name == definition.table }),
                let resolved = try? ResolvedShape(definition: definition, table: table),
                handleByIdentity[resolved.identity] == nil, !record.chunkSizes.isEmpty
            else {
                dropped.append(record.handle)
                continue
            }
            let shape = makeShape(handle: record.handle, resolved: resolved)
            do {
                try shape.withContent { content in
                    try content.log.restore()
                    content.snapshot = .stored(sizes: record.chunkSizes)
                    content.visibility = record.visibility
                    content.replayFrom = record.replayFrom
                    content.status = .ready
                }
            } catch {
                logger.warning("could not read a shape's log; the shape is dropped", metadata: ["handle": "\(record.handle)", "error": "\(error)"])
                shape.retire("its log could not be read")
                dropped.append(record.handle)
                continue
            }
            register(shape)
            restored += 1
        }
        let tip = try await store.lastSequence()
        // Logs on disk are whole up to the last checkpoint: replay from there
        // (what a log already holds is skipped). Without one, from each
        // shape's creation, as memory-only logs do. A checkpoint past the
        // change log's end belongs to another database: nothing stored is trusted.
        let checkpoint = readCheckpoint()
        let storedLSN = try await store.lastLSN()
        if let checkpoint, checkpoint > tip, !shapes.isEmpty {
            logger.warning("the shape logs are ahead of the change log; every shape is dropped", metadata: ["checkpoint": "\(checkpoint)", "tip": "\(tip)"])
            for shape in shapes.values {
                dropped.append(shape.handle)
                retire(shape)
            }
        }
        // A log holding commits the store no longer has (lost with the last
        // moments before a power cut) would serve rows that never were.
        for shape in shapes.values where shape.lastOffset.tx > storedLSN {
            logger.warning("a shape's log is ahead of the database; the shape is dropped", metadata: ["handle": "\(shape.handle)"])
            dropped.append(shape.handle)
            retire(shape)
        }
        try await store.deleteShapes(dropped)
        removeOrphanedLogs()
        let replayFrom = shapes.isEmpty ? tip : (checkpoint ?? shapes.values.map { $0.withContent(\.replayFrom) }.min() ?? tip)
        position = min(replayFrom, tip)
        appliedLSN.store(storedLSN, ordering: .releasing)
        store.onCommit { [weak self] in self?.poke() }
        logger.info("sync service starting", metadata: ["shapes": "\(restored)", "replay_from": "\(position)", "tip": "\(tip)"])
    }

    /// Whether the service has caught up with the change log since it started.
    public nonisolated var isReady: Bool { isCaughtUp && !isShuttingDown }

    public var shapeCount: Int { shapes.count }

    /// Gauges for `/metrics`.
    public struct Statistics: Sendable {
        public let shapes: Int
        public let waitingPolls: Int
        /// Commit-to-apply delay of the last transaction, when its commit time is known.
        public let lastApplyLag: Duration?
    }

    public var statistics: Statistics {
        Statistics(shapes: shapes.count, waitingPolls: waitingPolls, lastApplyLag: lastApplyLag)
    }

    var waitingPolls: Int {
        shapes.values.reduce(0) { total, shape in total + shape.withContent { $0.waiters.count } }
    }

    func register(_ shape: Shape) {
        shapes[shape.handle] = shape
        handleByIdentity[shape.resolved.identity] = shape.handle
        currentShapes.withLock { $0[shape.handle] = shape }
        router.add(handle: shape.handle, resolved: shape.resolved)
    }

    /// Answers every waiting long-poll and stops following commits.
    public func shutdown() {
        stopping.store(true, ordering: .releasing)
        for shape in shapes.values { shape.close() }
        feedWaiter?.resume(returning: .tick)
        feedWaiter = nil
        let waiting = readinessWaiters
        readinessWaiters.removeAll()
        for waiter in waiting.values { waiter.resume() }
    }
}
