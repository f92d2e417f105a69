import Foundation
import ShapeWire

extension SyncService {
    /// What one turn of an SSE stream found.
    enum EventBatch: Sendable {
        /// `data:` events for new entries (ending with up-to-date when they
        /// reach the log's end), and the position after them.
        case events(String, after: Offset)
        /// Nothing new within the wait.
        case idle
        /// The shape is gone or the service is stopping: close the stream
        /// (the client reconnects and learns which).
        case ended
    }

    /// An SSE live answer (`live_sse=true`): the messages a long-poll would
    /// return, one `data:` event each, for as long as `sseTimeout`, with a
    /// `: keep-alive` comment after each `sseKeepAlive` of silence. Nil when
    /// `offset` is ahead of the shape. The live slot this request took is
    /// given back when the stream ends.
    nonisolated func streamEvents(
        _ shape: Shape, from offset: Offset, request: ShapeRequest, reply: ShapeReply, presence: (any ClientPresenceSignal)?
    ) -> ShapeAnswer? {
        let start = Self.readPosition(offset)
        guard isWithinBounds(start, of: shape) else { return nil }
        var reply = reply
        reply.schema = nil
        reply.cursor = String(LiveCursor.next(after: request.cursor, interval: configuration.longPollTimeout))
        let hold = configuration.sseTimeout
        let keepAlive = configuration.sseKeepAlive
        let (events, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .unbounded)
        let producer = Task {
            let deadline = ContinuousClock.now + hold
            var position = start
            var lastSent = ContinuousClock.now
            streaming: while !Task.isCancelled, ContinuousClock.now < deadline {
                let wait = min(keepAlive - (ContinuousClock.now - lastSent), deadline - ContinuousClock.now)
                switch await self.nextEvents(shape, after: position, wait: max(wait, .milliseconds(1))) {
                case .events(let text, let after):
                    continuation.yield(text)
                    position = after
                    lastSent = .now
                case .idle:
                    if ContinuousClock.now - lastSent >= keepAlive {
                        continuation.yield(": keep-alive\n\n")
                        lastSent = .now
                    }
                case .ended:
                    break streaming
                }
            }
            continuation.finish()
            self.releaseLiveSlot()
        }
        // A client that leaves stops the producer at once (cancelling it wakes
        // its waiter and frees the live slot): when the connection closes, not
        // only when a keep-alive write to it fails, which could take two keep-alives.
        let departure = presence?.whenGone { producer.cancel() }
        if presence != nil && departure == nil { producer.cancel() }
        continuation.onTermination = { _ in
            producer.cancel()
            if let departure { presence?.withdraw(departure) }
        }
        var answer = reply.eventStream(offset: offset, cacheSeconds: max(1, Int(hold.components.seconds) - 1))
        answer.events = events
        return answer
    }

    /// The entries after `position` as SSE events, waiting up to `wait` for some.
    nonisolated func nextEvents(_ shape: Shape, after position: Offset, wait: Duration) async -> EventBatch {
        guard shape.isReady, !isShuttingDown, !Task.isCancelled else { return .ended }
        if !shape.hasEntries(after: position) {
            await shape.waitForChange(after: position, timeout: wait, timer: timer)
            guard !Task.isCancelled else { return .ended }
            guard !shape.isRetired, !isShuttingDown else { return .ended }
            guard shape.hasEntries(after: position) else { return .idle }
        }
        // Read before the log: an up-to-date never names a position the log may not hold yet.
        let seen = lastSeenLSN
        guard let read = try? shape.read(after: position) else { return .ended }
        let (entries, reachesEnd) = (read.entries, read.reachesEnd)
        guard let last = entries.last?.offset else { return .idle }
        timeline.withLock { $0.delivered(entries) }
        var text = ""
        for entry in entries {
            text += "data: " + entry.json + "\n\n"
        }
        // The client resumes from `<global_last_seen_lsn>_0` (see `readPosition`).
        if reachesEnd { text += "data: " + ShapeMessage.upToDate(globalLastSeenLSN: max(seen, last.tx)) + "\n\n" }
        shape.touch()
        return .events(text, after: last)
    }

    nonisolated func releaseLiveSlot() {
        liveRequestCount.wrappingSubtract(1, ordering: .acquiringAndReleasing)
    }
}
