import Foundation
import ShapeWire
import Synchronization

extension SyncService {
    /// Answers one `/v1/shape` call. `trusted` callers (the in-process
    /// gatekeeper) skip the secret check.
    ///
    /// Checking and parsing the call happen off the actor, and the actor is
    /// visited once, to find the shape; a live long-poll then waits here, in
    /// the caller's task (see the other `respond` for waiting without one).
    public nonisolated func respond(_ call: ShapeCall, trusted: Bool = false) async -> ShapeAnswer {
        switch prepare(call, trusted: trusted) {
        case .answer(let answer): return answer
        case .delete(let reply): return await deleteShape(call, reply: reply)
        case .serve(let state):
            switch await serve(state) {
            case .answer(let answer): return answer
            case .parked(let poll):
                await poll.shape.waitForChange(after: poll.readFrom, timeout: configuration.longPollTimeout, timer: timer, presence: state.call.presence)
                return await complete(poll)
            }
        }
    }

    /// Answers one `/v1/shape` call through `deliver`, exactly once. A live
    /// long-poll with nothing to read yet holds no task while it waits: it
    /// is parked on its shape as a callback, and when it wakes (a change,
    /// its timeout, its client leaving, shutdown) `schedule` runs the rest —
    /// reading the log and building the answer — wherever the caller wants
    /// it (the connection's event loop). Ten thousand parked polls are ten
    /// thousand small records, not ten thousand suspended tasks.
    public nonisolated func respond(
        _ call: ShapeCall, trusted: Bool = false,
        schedule: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void,
        deliver: @escaping @Sendable (ShapeAnswer) -> Void
    ) async {
        switch prepare(call, trusted: trusted) {
        case .answer(let answer): deliver(answer)
        case .delete(let reply): deliver(await deleteShape(call, reply: reply))
        case .serve(let state):
            switch await serve(state) {
            case .answer(let answer): deliver(answer)
            case .parked(let poll):
                let parked = poll.shape.park(
                    while: Shape.waitsForChange(after: poll.readFrom), timeout: configuration.longPollTimeout, timer: timer,
                    presence: state.call.presence
                ) { [self] in schedule { self.deliverWoken(poll, deliver) } }
                if !parked { deliverWoken(poll, deliver) }
            }
        }
    }

    /// A live long-poll taken without visiting the actor (``claimLivePoll(_:trusted:)``):
    /// its admission slot is held until ``serve(_:schedule:deliver:)`` answers it.
    public struct ClaimedPoll: Sendable {
        fileprivate let poll: ParkedPoll
    }

    /// Takes a live long-poll that names the current handle of a ready shape,
    /// at an offset inside its log, straight from the shape's consumer: no
    /// actor visit, no suspension (the connection's event loop calls this).
    /// Nil, with nothing taken, for every other call: those go through
    /// ``respond(_:trusted:schedule:deliver:)``, which answers them in full.
    public nonisolated func claimLivePoll(_ call: ShapeCall, trusted: Bool) -> ClaimedPoll? {
        guard isCaughtUp, !isShuttingDown, case .serve(let state) = prepare(call, trusted: trusted) else { return nil }
        let request = state.request
        guard request.live, !request.liveSSE, request.subset == nil, let handle = request.handle,
            case .offset(let offset) = request.offset, !offset.isBeforeAllOffsets,
            let shape = currentShapes.withLock({ $0[handle] }), shape.resolved.identity == state.resolved.identity,
            shape.status == .ready
        else { return nil }
        // Admission as the actor counts it: a known shape, read past its start, is live.
        guard Self.take(liveRequestCount, limit: configuration.maxLiveRequests) else { return nil }
        shape.touch()
        guard case .log(let from) = route(state, shape), isWithinBounds(Self.readPosition(from), of: shape) else {
            release(state)
            return nil
        }
        return ClaimedPoll(poll: ParkedPoll(shape: shape, state: state, readFrom: Self.readPosition(from), offset: from))
    }

    /// Answers a claimed poll through `deliver`, exactly once: at once when its
    /// log has changes after its offset, else parked on its shape like any
    /// other (see ``respond(_:trusted:schedule:deliver:)``).
    public nonisolated func serve(
        _ claim: ClaimedPoll, schedule: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void,
        deliver: @escaping @Sendable (ShapeAnswer) -> Void
    ) {
        let poll = claim.poll
        let parked = poll.shape.park(
            while: Shape.waitsForChange(after: poll.readFrom), timeout: configuration.longPollTimeout, timer: timer,
            presence: poll.state.call.presence
        ) { [self] in schedule { self.deliverWoken(poll, deliver) } }
        if !parked { deliverWoken(poll, deliver) }
    }

    private enum Preparation {
        case answer(ShapeAnswer)
        case delete(ShapeReply)
        case serve(ShapeCallState)
    }

    @inline(never)
    private nonisolated func prepare(_ call: ShapeCall, trusted: Bool) -> Preparation {
        var reply = ShapeReply(origin: call.origin)
        // Only GETs are cacheable: a POST's answer is never reused (Electric).
        reply.isCacheable = call.method != .post
        if call.method == .options { return .answer(reply.preflight()) }
        if !trusted {
            let given = call.query.last { $0.name == ShapeParameter.secret || $0.name == ShapeParameter.apiSecret }?.value
            // An empty secret guards nothing: no secret at all, every outside caller refused.
            guard let secret = configuration.secret, !secret.isEmpty, let given, constantTimeEquals(given, secret) else {
                return .answer(reply.unauthorized())
            }
        }
        if call.method == .delete { return .delete(reply) }
        switch ShapeRequest.parse(call.query, tables: tables, resolvedShapes: resolvedShapes) {
        case .failure(let invalid): return .answer(reply.invalid(invalid.errors))
        case .success(let (request, resolved)): return .serve(ShapeCallState(call: call, request: request, resolved: resolved, reply: reply))
        }
    }

    /// What serving a call came to: an answer, or a live poll to park.
    private enum Served {
        case answer(ShapeAnswer)
        case parked(ParkedPoll)
    }

    /// A live long-poll with nothing to read yet. It keeps its admission slot
    /// until it is answered (``complete(_:)``).
    struct ParkedPoll: Sendable {
        let shape: Shape
        let state: ShapeCallState
        /// Where its read resumes, and the offset it asked for.
        let readFrom: Offset
        let offset: Offset
    }

    /// Visits the actor once, to find the shape and take an admission slot;
    /// everything after runs against the shape's own lock.
    private nonisolated func serve(_ state: ShapeCallState) async -> Served {
        if !isCaughtUp || isShuttingDown { await waitUntilCaughtUp(timeout: configuration.longPollTimeout) }
        let shape: Shape
        switch await admitAndLocate(state) {
        case .answer(let answer): return .answer(answer)
        case .shape(let found): shape = found
        }
        await shape.waitForSnapshot()
        shape.touch()
        let answer: ShapeAnswer
        switch route(state, shape) {
        case .answer(let found): answer = found
        case .successor: answer = await successorRefetch(state)
        case .subset(let subset): answer = await serveSubset(subset, of: shape, reply: state.reply)
        case .storedChunk(let index, let requestOffset, let cache):
            answer = await serveStoredChunk(index, of: shape, requestOffset: requestOffset, cache: cache, state)
        case .log(let offset):
            switch await serveLog(shape, from: offset, state) {
            case .answer(let found): answer = found
            case .parked(let poll): return .parked(poll)
            }
        }
        finish(state, shape)
        return .answer(answer)
    }

    /// A call is answered: its admission slot is given back.
    private nonisolated func finish(_ state: ShapeCallState, _ shape: Shape) {
        release(state)
        shape.touch()
    }

    private enum Located {
        case answer(ShapeAnswer)
        case shape(Shape)
    }

    @inline(never)
    private func admitAndLocate(_ state: ShapeCallState) -> Located {
        if let refusal = admit(state) { return .answer(refusal) }
        let located = locate(state)
        if case .answer = located { release(state) }
        return located
    }

    /// Admission control, as Electric: a request that starts a shape or reads
    /// its snapshot counts as a snapshot request; a live one as live. Nil when admitted.
    @inline(never)
    private func admit(_ state: ShapeCallState) -> ShapeAnswer? {
        if isShuttingDown { return state.reply.unavailable("the sync service is shutting down", retryAfter: 1) }
        if !isCaughtUp { return state.reply.unavailable("the sync service is still catching up with the change log", retryAfter: 1) }
        let request = state.request
        state.startsShape = request.subset != nil || handleByIdentity[state.resolved.identity] == nil || request.handle.map { shapes[$0] == nil } ?? true
            || { if case .offset(let offset) = request.offset { return offset.isBeforeAllOffsets } else { return false } }()
        if state.startsShape {
            guard Self.take(snapshotRequestCount, limit: configuration.maxSnapshotRequests) else {
                return state.reply.overloaded("Concurrent initial request limit exceeded (limit: \(configuration.maxSnapshotRequests)), please retry")
            }
        } else if request.live {
            guard Self.take(liveRequestCount, limit: configuration.maxLiveRequests) else {
                return state.reply.overloaded("Concurrent live request limit exceeded (limit: \(configuration.maxLiveRequests)), please retry")
            }
        }
        return nil
    }

    /// Takes a slot of `counter` if fewer than `limit` are taken.
    private static func take(_ counter: borrowing Atomic<Int>, limit: Int) -> Bool {
        if counter.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue <= limit { return true }
        counter.wrappingSubtract(1, ordering: .acquiringAndReleasing)
        return false
    }

    /// Gives back the admission slot (an SSE stream keeps its live slot until it ends, see `streamEvents`).
    @inline(never)
    private nonisolated func release(_ state: ShapeCallState) {
        if state.startsShape {
            snapshotRequestCount.wrappingSubtract(1, ordering: .acquiringAndReleasing)
        } else if state.request.live && !state.slotHandedOver {
            liveRequestCount.wrappingSubtract(1, ordering: .acquiringAndReleasing)
        }
    }

    /// The shape the call names: the one its definition resolves to, which
    /// must also be the handle it gives when it reads past the start.
    @inline(never)
    private func locate(_ state: ShapeCallState) -> Located {
        let current = shape(for: state.resolved)
        guard case .offset(let offset) = state.request.offset, !offset.isBeforeAllOffsets else { return .shape(current) }
        guard let handle = state.request.handle, let named = shapes[handle], named === current else {
            return .answer(state.reply.mustRefetch(handle: current.handle))
        }
        return .shape(named)
    }

    /// A 409 naming the successor of a shape dropped meanwhile (created now if need be).
    private func successorRefetch(_ state: ShapeCallState) -> ShapeAnswer {
        state.reply.mustRefetch(handle: shape(for: state.resolved).handle)
    }

    private enum Route {
        case answer(ShapeAnswer)
        /// The shape was invalidated meanwhile (TRUNCATE, schema change, expiry).
        case successor
        case subset(SubsetRequest)
        case log(from: Offset)
        /// A snapshot chunk that is read from the store.
        case storedChunk(Int, requestOffset: String, cache: ShapeReply.Cache)
    }

    @inline(never)
    private nonisolated func snapshotChunk(_ index: Int, of snapshot: Shape.SnapshotBody, requestOffset: String, cache: ShapeReply.Cache,
                                           _ state: ShapeCallState) -> Route {
        guard case .memory(let chunks) = snapshot else { return .storedChunk(index, requestOffset: requestOffset, cache: cache) }
        return .answer(chunkAnswer(chunks[index], index, requestOffset: requestOffset, cache: cache, state))
    }

    private nonisolated func chunkAnswer(_ chunk: String, _ index: Int, requestOffset: String, cache: ShapeReply.Cache, _ state: ShapeCallState) -> ShapeAnswer {
        state.reply.snapshotChunk(chunk, offset: Offset(tx: 0, op: Int64(index)), requestOffset: requestOffset,
                                  cache: cache, ifNoneMatch: state.call.ifNoneMatch, head: state.call.method == .head)
    }

    /// A saved snapshot's chunk, read from the store.
    private nonisolated func serveStoredChunk(_ index: Int, of shape: Shape, requestOffset: String, cache: ShapeReply.Cache,
                                              _ state: ShapeCallState) async -> ShapeAnswer {
        do {
            if let chunk = try await store.snapshotChunk(handle: shape.handle, index: index) {
                return chunkAnswer(String(decoding: chunk, as: UTF8.self), index, requestOffset: requestOffset, cache: cache, state)
            }
            // Dropped (and forgotten by the store) meanwhile: the client refetches its successor.
            if shape.isRetired { return await successorRefetch(state) }
            logger.error("a saved snapshot chunk is missing", metadata: ["handle": "\(shape.handle)", "chunk": "\(index)"])
        } catch {
            logger.error("reading a snapshot chunk failed", metadata: ["handle": "\(shape.handle)", "error": "\(error)"])
        }
        return state.reply.unavailable("reading the shape's snapshot failed, please retry", retryAfter: 1)
    }

    /// What a call on a ready shape reads: a snapshot chunk, a subset, an SSE
    /// stream, or the log from an offset.
    @inline(never)
    private nonisolated func route(_ state: ShapeCallState, _ shape: Shape) -> Route {
        if case .failed(let reason) = shape.status {
            // Invalidated meanwhile (TRUNCATE, schema change): the client refetches its successor.
            if reason == Shape.invalidated { return .successor }
            return .answer(state.reply.unavailable("Failed to create shape, please retry", retryAfter: 1))
        }
        let request = state.request, call = state.call
        state.reply.handle = shape.handle
        // Live answers carry no schema: it is not built for (nor held by) a parked poll.
        if !request.live {
            state.reply.schema = state.resolved.table.electricSchema(selected: state.resolved.selectedColumns)
        }
        let reply = state.reply
        if let subset = request.subset { return .subset(subset) }
        // The applied position first, then one look at the shape under its lock (the feed
        // may append meanwhile, never remove): an up-to-date never runs ahead of the log.
        let seen = lastSeenLSN
        let (status, lastOffset, snapshot) = shape.withContent { ($0.status, $0.lastOffset, $0.snapshot) }
        // Still snapshotting after the wait: the service is shutting down.
        guard status == .ready else { return .answer(reply.unavailable("the sync service is shutting down", retryAfter: 1)) }
        switch request.offset {
        case .now:
            return .answer(reply.data([], offset: lastOffset, requestOffset: "now", upToDate: max(seen, lastOffset.tx), hasData: false,
                                      cache: .catchUp, ifNoneMatch: call.ifNoneMatch, head: call.method == .head))
        case .offset(let offset) where offset.isBeforeAllOffsets:
            return snapshotChunk(0, of: snapshot, requestOffset: "-1", cache: .initial, state)
        case .offset(let offset):
            if offset.isInSnapshot, offset.op < Int64(snapshot.count - 1) {
                return snapshotChunk(Int(offset.op) + 1, of: snapshot, requestOffset: offset.description, cache: .catchUp, state)
            }
            if request.liveSSE && !state.startsShape {
                guard let answer = streamEvents(shape, from: offset, request: request, reply: reply, presence: call.presence) else {
                    let error = ShapeRequestError.offsetOutOfBounds
                    return .answer(reply.invalid([error.field: [error.message]]))
                }
                state.slotHandedOver = true
                return .answer(answer)
            }
            return .log(from: offset)
        }
    }

    private nonisolated func serveLog(_ shape: Shape, from offset: Offset, _ state: ShapeCallState) async -> Served {
        let readFrom = Self.readPosition(offset)
        let live = state.request.live
        if !isWithinBounds(readFrom, of: shape) {
            // The client is ahead of this shape (it was rebuilt, or the offset is
            // made up): give the log a moment to catch up, then refuse.
            if live {
                await shape.waitForChange(after: shape.lastOffset, timeout: configuration.longPollTimeout / 2, timer: timer, presence: state.call.presence)
            }
            if !isWithinBounds(readFrom, of: shape) { return .answer(Self.outOfBounds(state)) }
        }
        if live && !shape.hasEntries(after: readFrom) {
            return .parked(ParkedPoll(shape: shape, state: state, readFrom: readFrom, offset: offset))
        }
        do {
            let seen = lastSeenLSN
            return .answer(logAnswer(try shape.read(after: readFrom), seen: seen, offset: offset, state))
        } catch {
            return .answer(await readFailed(shape, error, state))
        }
    }

    /// The answer of a parked poll once it woke, given back its slot.
    private nonisolated func complete(_ poll: ParkedPoll) async -> ShapeAnswer {
        defer { finish(poll.state, poll.shape) }
        if poll.shape.isRetired { return await refetch(poll.shape, poll.state) }
        do {
            let seen = lastSeenLSN
            return logAnswer(try poll.shape.read(after: poll.readFrom), seen: seen, offset: poll.offset, poll.state)
        } catch {
            return await readFailed(poll.shape, error, poll.state)
        }
    }

    /// A woken callback poll: answered right here (on the caller's event
    /// loop) from the log's in-memory tail; in a task when it must read the
    /// shape's file (never blocking I/O on an event loop), needs the registry
    /// (its shape was dropped), or the read failed.
    private nonisolated func deliverWoken(_ poll: ParkedPoll, _ deliver: @escaping @Sendable (ShapeAnswer) -> Void) {
        let seen = lastSeenLSN
        let plan = poll.shape.plan(after: poll.readFrom)
        if !poll.shape.isRetired, !plan.readsStorage, let read = try? plan.run() {
            finish(poll.state, poll.shape)
            deliver(logAnswer(read, seen: seen, offset: poll.offset, poll.state))
        } else {
            Task { deliver(await self.complete(poll)) }
        }
    }

    @inline(never)
    private nonisolated static func outOfBounds(_ state: ShapeCallState) -> ShapeAnswer {
        let error = ShapeRequestError.offsetOutOfBounds
        return state.reply.invalid([error.field: [error.message]])
    }

    /// Dropped while the call waited: the client refetches its successor.
    @inline(never)
    private func refetch(_ shape: Shape, _ state: ShapeCallState) -> ShapeAnswer {
        state.reply.mustRefetch(handle: handleByIdentity[shape.resolved.identity])
    }

    @inline(never)
    private func readFailed(_ shape: Shape, _ error: any Error, _ state: ShapeCallState) -> ShapeAnswer {
        // Dropped while its file was read: the client refetches its successor.
        if shape.isRetired { return refetch(shape, state) }
        logger.error("reading a shape's log failed", metadata: ["handle": "\(shape.handle)", "error": "\(error)"])
        return state.reply.unavailable("reading the shape log failed, please retry", retryAfter: 1)
    }

    /// The answer to a log read. `seen` is the applied position read before
    /// the log was (every shape's log holds it by then): the up-to-date never
    /// names a position past what this read could see, nor the offset one
    /// past what it returned.
    @inline(never)
    private nonisolated func logAnswer(_ read: ShapeLogSlice, seen: UInt64, offset: Offset, _ state: ShapeCallState) -> ShapeAnswer {
        let request = state.request, call = state.call
        let entries = read.entries
        var reply = state.reply
        if !entries.isEmpty { timeline.withLock { $0.delivered(entries) } }
        if request.live {
            reply.cursor = String(LiveCursor.next(after: request.cursor, interval: configuration.longPollTimeout))
            reply.schema = nil
        }
        let next = entries.last?.offset ?? (offset.isInSnapshot ? read.logEnd : offset)
        let timedOut = entries.isEmpty && request.live
        let cache: ShapeReply.Cache = request.live ? .live : .catchUp
        return reply.data(
            entries.map(\.json), offset: next, requestOffset: offset.description,
            upToDate: read.reachesEnd ? max(seen, next.tx) : nil, hasData: !timedOut,
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
    nonisolated func isWithinBounds(_ position: Offset, of shape: Shape) -> Bool {
        position.isInSnapshot || position.tx <= max(shape.lastOffset.tx, lastSeenLSN)
    }

    private nonisolated func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
