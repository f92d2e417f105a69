import Foundation
import ShapeWire

/// What the operator's inspector (`/inspect/api/…`, `qactl inspect`) reads
/// from the sync service: read-only views, copied out of the actor.
extension SyncService {
    /// The service as a whole.
    public struct Overview: Sendable, Codable {
        public let shapes: Int
        public let waitingPolls: Int
        public let liveRequests: Int
        public let snapshotRequests: Int
        /// The change-log sequence up to which every transaction is applied.
        public let position: Int64
        public let lastSeenLSN: UInt64
        public let caughtUp: Bool
        public let lastApplyLagMilliseconds: Double?
    }

    /// One shape, without its content.
    public struct ShapeSummary: Sendable, Codable {
        public let handle: String
        public let table: String
        public let `where`: String?
        public let params: [String]
        public let columns: [String]?
        /// `snapshotting`, `ready` or `failed: <reason>`.
        public let state: String
        public let snapshotChunks: Int
        public let snapshotBytes: Int
        public let logEntries: Int
        public let logBytes: Int
        /// Long-polls waiting on it now.
        public let subscribers: Int
        public let lastOffset: String
        /// When this process created (or restored) the shape, ms since 1970.
        public let createdAtMilliseconds: Int64
        public let secondsSinceLastRead: Double
    }

    /// One shape's content: its snapshot chunks (comma-joined messages, as
    /// served) and its log entries (offset, message JSON), newest last.
    public struct ShapeContent: Sendable {
        public let summary: ShapeSummary
        public let snapshotChunks: [String]
        public let log: [(offset: String, json: String)]
    }

    public var overview: Overview {
        Overview(
            shapes: shapes.count, waitingPolls: waitingPolls, liveRequests: liveRequests,
            snapshotRequests: snapshotRequests, position: position, lastSeenLSN: lastSeenLSN, caughtUp: isCaughtUp,
            lastApplyLagMilliseconds: lastApplyLag.map { Double($0.components.seconds) * 1000 + Double($0.components.attoseconds) / 1e15 })
    }

    /// Every shape, most recently read first.
    public func shapeSummaries() -> [ShapeSummary] {
        shapes.values.map(summary).sorted { $0.secondsSinceLastRead < $1.secondsSinceLastRead }
    }

    /// The inspector shows at most this many of a shape's newest log entries.
    static let inspectedLogEntries = 1000

    public func shapeContent(handle: String) async -> ShapeContent? {
        guard let shape = shapes[handle] else { return nil }
        let (body, newest) = shape.withContent { ($0.snapshot, (try? $0.log.newest(Self.inspectedLogEntries)) ?? []) }
        var chunks: [String]
        switch body {
        case .memory(let held): chunks = held
        case .stored(let sizes):
            chunks = []
            for index in sizes.indices {
                guard let chunk = try? await store.snapshotChunk(handle: handle, index: index) else { return nil }
                chunks.append(String(decoding: chunk, as: UTF8.self))
            }
        }
        return ShapeContent(summary: summary(shape), snapshotChunks: chunks, log: newest.map { ($0.offset.description, $0.json) })
    }

    /// The last transactions applied, newest first.
    public nonisolated var recentTransactions: [TransactionRecord] { timeline.withLock { $0.records.reversed() } }

    private func summary(_ shape: Shape) -> ShapeSummary {
        shape.withContent { summary(shape, $0) }
    }

    private func summary(_ shape: Shape, _ content: Shape.Content) -> ShapeSummary {
        let definition = shape.resolved.definition
        let state: String
        switch content.status {
        case .snapshotting: state = "snapshotting"
        case .ready: state = "ready"
        case .failed(let reason): state = "failed: \(reason)"
        }
        let sinceRead = ContinuousClock.now - content.lastRead
        return ShapeSummary(
            handle: shape.handle, table: definition.table, where: definition.whereText, params: definition.params, columns: definition.columns,
            state: state, snapshotChunks: content.snapshot.count, snapshotBytes: content.snapshot.bytes,
            logEntries: content.log.count, logBytes: content.log.bytes,
            subscribers: content.waiters.count, lastOffset: content.lastOffset.description,
            createdAtMilliseconds: Int64(shape.createdAt.timeIntervalSince1970 * 1000),
            secondsSinceLastRead: Double(sinceRead.components.seconds) + Double(sinceRead.components.attoseconds) / 1e18)
    }
}
