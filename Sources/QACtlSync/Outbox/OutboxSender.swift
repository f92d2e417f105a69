import Foundation

/// Sends a replica's queued writes one at a time, oldest first, until each is
/// delivered or refused: the outbox's only sender. Run one per replica (the
/// replica's owner; see ``LocalReplica``), or writes could go out twice.
///
/// ```swift
/// let sender = OutboxSender(replica: replica) { entry in
///     let p = entry.payload
///     return try await api.sendQuestion(
///         conversationId: p["conversationId"] ?? "", questionId: entry.key, answerId: p["answerId"] ?? "", content: p["content"] ?? "")
/// }
/// await sender.start()
/// try replica.enqueue(operation: "questions/send", key: "q-1", payload: payload, collection: "messages:c-1")
/// await sender.wake()
/// let txid = try await sender.delivery(of: "q-1")
/// ```
///
/// A write stays at the head of the queue while it is retried (see
/// ``OutboxRetryPolicy``), so later writes never overtake it; a refused one
/// goes to the dead letters and the next one is sent.
public actor OutboxSender {
    /// The replica whose outbox is sent.
    public nonisolated let replica: LocalReplica
    private let policy: OutboxRetryPolicy
    private let deliver: @Sendable (OutboxEntry) async throws -> UInt64

    private var loop: Task<Void, Never>?
    /// Resumed to end a wait early: new work, or ``retryNow()``.
    private var wakeUp: CheckedContinuation<Void, Never>?
    private var wakeRequested = false
    /// The delivery in flight, and whether ``retryNow()`` abandoned it.
    private var attempt: Task<UInt64, any Error>?
    private var abandoned = false
    /// Txids of writes delivered by this sender, for late ``delivery(of:)`` callers.
    private var delivered: [String: UInt64] = [:]
    private var waiting: [String: [CheckedContinuation<UInt64, any Error>]] = [:]
    private var observers: [Int: AsyncStream<OutboxEvent>.Continuation] = [:]
    private var nextObserver = 0

    /// A sender for `replica`'s outbox that hands each write to `deliver`,
    /// which makes the API call and returns the write's txid (throwing an
    /// ``APIError`` on failure). Nothing is sent before ``start()``.
    public init(
        replica: LocalReplica, policy: OutboxRetryPolicy = OutboxRetryPolicy(),
        deliver: @escaping @Sendable (OutboxEntry) async throws -> UInt64
    ) {
        self.replica = replica
        self.policy = policy
        self.deliver = deliver
    }

    /// Starts sending; calling it again while running does nothing.
    public func start() {
        guard loop == nil else { return }
        loop = Task { await self.run() }
    }

    /// Stops sending and waits for the current attempt to end. Queued writes stay queued.
    public func stop() async {
        let running = loop
        loop = nil
        running?.cancel()
        wake()
        await running?.value
    }

    /// Tells the sender there is new work, or that now is a good time to try:
    /// a wait for the next attempt ends at once.
    public func wake() {
        if let wakeUp {
            self.wakeUp = nil
            wakeUp.resume()
        } else {
            wakeRequested = true
        }
    }

    /// Tries the head of the queue again now: ends the wait before the next
    /// attempt, and abandons an attempt in flight (one stuck on a server that
    /// was down may take its whole timeout to fail). An abandoned attempt that
    /// did reach the server is harmless: the repeat gets the original txid.
    public func retryNow() {
        if let attempt {
            abandoned = true
            attempt.cancel()
        }
        wake()
    }

    /// Waits until the write with `key` is delivered (its txid) or refused
    /// (throws ``OutboxRefusedError``). Throws ``OutboxUnknownKeyError`` for
    /// a key that is neither queued nor refused nor delivered by this sender.
    public func delivery(of key: String) async throws -> UInt64 {
        if let txid = delivered[key] { return txid }
        if let refused = try replica.deadLetter(key: key) { throw OutboxRefusedError(key: key, error: refused.error) }
        guard try replica.queuedEntry(key: key) != nil else { throw OutboxUnknownKeyError(key: key) }
        return try await withCheckedThrowingContinuation { continuation in
            waiting[key, default: []].append(continuation)
        }
    }

    /// Every delivery, retry and refusal from now on.
    public func events() -> AsyncStream<OutboxEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: OutboxEvent.self, bufferingPolicy: .unbounded)
        let id = nextObserver
        nextObserver += 1
        observers[id] = continuation
        continuation.onTermination = { [weak self] _ in Task { await self?.removeObserver(id) } }
        return stream
    }

    // MARK: The loop

    private func run() async {
        var previousWasUnauthorized = false
        var storageFailures = 0
        while !Task.isCancelled {
            let head: OutboxEntry?
            do {
                head = try replica.nextQueued()
                storageFailures = 0
            } catch {
                let delay = policy.backoff.delay(attempt: storageFailures)
                storageFailures += 1
                emit(.storageFailed(error: "\(error)", delay: delay))
                await pause(delay)
                continue
            }
            guard let entry = head else {
                await pause(nil)
                continue
            }
            do {
                let txid = try await attemptDelivery(entry)
                previousWasUnauthorized = false
                try settle(entry.key, with: .success(txid))
            } catch _ where abandoned && !Task.isCancelled {
                // retryNow(): not a failed attempt, just an earlier one.
                abandoned = false
            } catch is CancellationError {
                return
            } catch let error as ReplicaError {
                // Delivered, but the file would not say so: the retry is a harmless repeat.
                emit(.storageFailed(error: error.message, delay: .seconds(1)))
                await pause(.seconds(1))
            } catch {
                if Task.isCancelled { return }
                let decision = policy.decision(after: error, attempt: entry.attempts, previousWasUnauthorized: previousWasUnauthorized)
                previousWasUnauthorized = (error as? APIError)?.status == 401
                await handle(decision, for: entry, error: error)
            }
        }
    }

    /// One call of the deliver function, in a task of its own so that ``retryNow()`` can abandon it.
    private func attemptDelivery(_ entry: OutboxEntry) async throws -> UInt64 {
        abandoned = false
        let deliver = self.deliver
        let running = Task { try await deliver(entry) }
        attempt = running
        defer { attempt = nil }
        return try await withTaskCancellationHandler {
            try await running.value
        } onCancel: {
            running.cancel()
        }
    }

    private func handle(_ decision: OutboxRetryPolicy.Decision, for entry: OutboxEntry, error: any Error) async {
        switch decision {
        case .retry(let delay):
            try? replica.recordFailedAttempt(entry.key, error: "\(error)")
            emit(.retrying(key: entry.key, attempt: entry.attempts + 1, delay: delay, error: "\(error)"))
            if delay > .zero { await pause(delay) }
        case .deadLetter:
            let refusal = (error as? APIError) ?? APIError(code: "refused", message: "\(error)", status: 0)
            do {
                if let letter = try replica.moveToDeadLetters(entry.key, error: refusal) { emit(.deadLettered(letter)) }
                try settle(entry.key, with: .failure(OutboxRefusedError(key: entry.key, error: refusal)))
            } catch {
                emit(.storageFailed(error: "\(error)", delay: .seconds(1)))
                await pause(.seconds(1))
            }
        }
    }

    /// Takes a delivered write out of the outbox (the durable step first) and tells its waiters.
    private func settle(_ key: String, with result: Result<UInt64, OutboxRefusedError>) throws {
        if case .success(let txid) = result {
            try replica.removeFromOutbox(key)
            delivered[key] = txid
            emit(.delivered(key: key, txid: txid))
        }
        for continuation in waiting.removeValue(forKey: key) ?? [] {
            continuation.resume(with: result.mapError { $0 as any Error })
        }
    }

    /// Sleeps `delay` (forever when nil), ending early on ``wake()`` or cancellation.
    private func pause(_ delay: Duration?) async {
        if wakeRequested {
            wakeRequested = false
            return
        }
        let timer = delay.map { delay in
            Task { [weak self] in
                guard (try? await Task.sleep(for: delay)) != nil else { return }
                await self?.wake()
            }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled { return continuation.resume() }
                wakeUp = continuation
            }
        } onCancel: {
            Task { await self.wake() }
        }
        timer?.cancel()
    }

    private func emit(_ event: OutboxEvent) {
        for continuation in observers.values { continuation.yield(event) }
    }

    private func removeObserver(_ id: Int) {
        observers[id] = nil
    }
}
