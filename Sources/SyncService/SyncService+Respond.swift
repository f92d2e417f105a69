import Foundation
import ShapeWire

extension SyncService {
    /// Answers one `/v1/shape` call. `trusted` callers (the in-process
    /// gatekeeper) skip the secret check.
    ///
    /// Checking and parsing the call happen off the actor: only the work on
    /// shared state (the registry, the shape's log and waiters) queues there.
    public nonisolated func respond(_ call: ShapeCall, trusted: Bool = false) async -> ShapeAnswer {
        var reply = ShapeReply(origin: call.origin)
        // Only GETs are cacheable: a POST's answer is never reused (Electric).
        reply.isCacheable = call.method != .post
        if call.method == .options { return reply.preflight() }
        if !trusted {
            let given = call.query.last { $0.name == ShapeParameter.secret || $0.name == ShapeParameter.apiSecret }?.value
            guard let secret = configuration.secret, let given, constantTimeEquals(given, secret) else {
                return reply.unauthorized()
            }
        }
        if call.method == .delete { return await deleteShape(call, reply: reply) }
        let request: ShapeRequest
        let resolved: ResolvedShape
        switch ShapeRequest.parse(call.query, tables: tables, resolvedShapes: resolvedShapes) {
        case .failure(let invalid): return reply.invalid(invalid.errors)
        case .success(let parsed): (request, resolved) = parsed
        }
        return await answer(request, resolved: resolved, call: call, reply: reply)
    }

    private func answer(_ request: ShapeRequest, resolved: ResolvedShape, call: ShapeCall, reply: ShapeReply) async -> ShapeAnswer {
        var reply = reply
        await waitUntilCaughtUp(timeout: configuration.longPollTimeout)
        if isShuttingDown { return reply.unavailable("the sync service is shutting down", retryAfter: 1) }
        if !isCaughtUp { return reply.unavailable("the sync service is still catching up with the change log", retryAfter: 1) }

        // Admission control, as Electric: a request that starts a shape or reads
        // its snapshot counts as a snapshot request; a live one as live.
        let startsShape = request.subset != nil || handleByIdentity[resolved.identity] == nil || request.handle.map { shapes[$0] == nil } ?? true
            || { if case .offset(let offset) = request.offset { return offset.isBeforeAllOffsets } else { return false } }()
        if startsShape {
            guard snapshotRequests < configuration.maxSnapshotRequests else {
                return reply.overloaded("Concurrent initial request limit exceeded (limit: \(configuration.maxSnapshotRequests)), please retry")
            }
            snapshotRequests += 1
        } else if request.live {
            guard liveRequests < configuration.maxLiveRequests else {
                return reply.overloaded("Concurrent live request limit exceeded (limit: \(configuration.maxLiveRequests)), please retry")
            }
            liveRequests += 1
        }
        // An SSE stream keeps its live slot until it ends (see `streamEvents`).
        var slotHandedOver = false
        defer {
            if startsShape { snapshotRequests -= 1 } else if request.live && !slotHandedOver { liveRequests -= 1 }
        }

        let current = shape(for: resolved)
        var shape = current
        if case .offset(let offset) = request.offset, !offset.isBeforeAllOffsets {
            guard let handle = request.handle, let named = shapes[handle], named === current else {
                return reply.mustRefetch(handle: current.handle)
            }
            shape = named
        }
        await waitForSnapshot(shape)
        if case .failed(let reason) = shape.state {
            // Invalidated meanwhile (TRUNCATE, schema change): the client refetches its successor.
            if reason == Shape.invalidated { return reply.mustRefetch(handle: self.shape(for: resolved).handle) }
            return reply.unavailable("Failed to create shape, please retry", retryAfter: 1)
        }
        reply.handle = shape.handle
        reply.schema = resolved.table.electricSchema(selected: resolved.selectedColumns)
        shape.lastRead = .now
        defer { shape.lastRead = .now }

        if let subset = request.subset { return await serveSubset(subset, of: shape, reply: reply) }
        switch request.offset {
        case .now:
            return reply.data([], offset: shape.lastOffset, requestOffset: "now", upToDate: lastSeenLSN, hasData: false,
                              cache: .catchUp, ifNoneMatch: call.ifNoneMatch, head: call.method == .head)
        case .offset(let offset) where offset.isBeforeAllOffsets:
            return reply.snapshotChunk(shape.snapshotChunks[0], offset: Offset(tx: 0, op: 0), requestOffset: "-1",
                                       cache: .initial, ifNoneMatch: call.ifNoneMatch, head: call.method == .head)
        case .offset(let offset):
            if offset.isInSnapshot, offset.op < Int64(shape.snapshotChunks.count - 1) {
                let next = Int(offset.op) + 1
                return reply.snapshotChunk(shape.snapshotChunks[next], offset: Offset(tx: 0, op: Int64(next)), requestOffset: offset.description,
                                           cache: .catchUp, ifNoneMatch: call.ifNoneMatch, head: call.method == .head)
            }
            if request.liveSSE && !startsShape {
                guard let answer = streamEvents(shape, from: offset, request: request, reply: reply) else {
                    let error = ShapeRequestError.offsetOutOfBounds
                    return reply.invalid([error.field: [error.message]])
                }
                slotHandedOver = true
                return answer
            }
            return await serveLog(shape, from: offset, request: request, call: call, reply: reply)
        }
    }

    private func serveLog(_ shape: Shape, from offset: Offset, request: ShapeRequest, call: ShapeCall, reply: ShapeReply) async -> ShapeAnswer {
        var reply = reply
        let readFrom = Self.readPosition(offset)
        if !isWithinBounds(readFrom, of: shape) {
            // The client is ahead of this shape (it was rebuilt, or the offset is
            // made up): give the log a moment to catch up, then refuse.
            if request.live {
                await waitForChange(shape, after: shape.lastOffset, timeout: configuration.longPollTimeout / 2)
            }
            if !isWithinBounds(readFrom, of: shape) {
                let error = ShapeRequestError.offsetOutOfBounds
                return reply.invalid([error.field: [error.message]])
            }
        }
        if request.live && !shape.log.hasEntries(after: readFrom) {
            await waitForChange(shape, after: readFrom, timeout: configuration.longPollTimeout)
            guard shapes[shape.handle] === shape else {
                return reply.mustRefetch(handle: handleByIdentity[shape.resolved.identity])
            }
        }
        let entries: [ShapeLog.Entry]
        let reachesEnd: Bool
        do {
            (entries, reachesEnd) = try await readLog(shape, after: readFrom)
        } catch {
            // Dropped while its file was read: the client refetches its successor.
            if shapes[shape.handle] !== shape { return reply.mustRefetch(handle: handleByIdentity[shape.resolved.identity]) }
            logger.error("reading a shape's log failed", metadata: ["handle": "\(shape.handle)", "error": "\(error)"])
            return reply.unavailable("reading the shape log failed, please retry", retryAfter: 1)
        }
        timeline.delivered(entries)
        if request.live {
            reply.cursor = String(LiveCursor.next(after: request.cursor, interval: configuration.longPollTimeout))
            reply.schema = nil
        }
        let next = entries.last?.offset ?? (offset.isInSnapshot ? shape.lastOffset : offset)
        let timedOut = entries.isEmpty && request.live
        let cache: ShapeReply.Cache = request.live ? .live : .catchUp
        return reply.data(
            entries.map(\.json), offset: next, requestOffset: offset.description,
            upToDate: reachesEnd ? max(lastSeenLSN, next.tx) : nil, hasData: !timedOut,
            cache: cache, ifNoneMatch: timedOut ? nil : call.ifNoneMatch, head: call.method == .head, uniqueETag: timedOut)
    }

    /// Where reading the log resumes for a requested offset: a position in
    /// the snapshot reads the log from its start; any other reads after the
    /// whole transaction it names. Responses never split a transaction, so a
    /// client holding `L_k` has all of transaction `L` — and an SSE client
    /// resumes from `<global_last_seen_lsn>_0`, which must mean just that.
    static func readPosition(_ offset: Offset) -> Offset {
        offset.isInSnapshot ? .snapshotEnd : Offset(tx: offset.tx, op: Offset.infinity)
    }

    /// Whether `position` is one this shape has reached: its own last entry,
    /// or any commit position the service has applied (a shape skips the
    /// transactions that do not concern it).
    func isWithinBounds(_ position: Offset, of shape: Shape) -> Bool {
        position.isInSnapshot || position.tx <= max(shape.lastOffset.tx, lastSeenLSN)
    }

    private nonisolated func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
