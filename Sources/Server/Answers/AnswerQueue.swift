import Answering
import AppModel
import Foundation
import Logging
/// Generates answers in the background with bounded concurrency.
///
/// A question's answer is queued only after its transaction committed. The
/// answer row moves `pending → streaming → completed` (or `failed`, with the
/// reason in its content); partial content is written at most every 100 ms,
/// each write its own transaction, so synced clients watch it grow. A
/// database outage delays answers (their writes are retried); a shutdown
/// leaves them to be resumed by the next start.
actor AnswerQueue {
    let store: any AppStore
    let answerer: any Answerer
    let concurrency: Int
    let flushInterval: Duration
    let logger: Logger
    let metrics: ServerMetrics?

    private var queue: [String] = []
    private var queued: Set<String> = []
    private var running: [String: Task<Void, Never>] = [:]
    private var isShuttingDown = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    /// Answers waiting for a worker, and being generated, for the inspector.
    var inspection: (queued: Int, running: Int) { (queue.count, running.count) }

    init(store: any AppStore, answerer: any Answerer, concurrency: Int, flushInterval: Duration = .milliseconds(100), logger: Logger, metrics: ServerMetrics?) {
        self.store = store
        self.answerer = answerer
        self.concurrency = max(1, concurrency)
        self.flushInterval = flushInterval
        self.logger = logger
        self.metrics = metrics
    }

    /// Queues answer `answerID` (once; a repeat while queued or running is ignored).
    func enqueue(_ answerID: String) {
        guard !isShuttingDown, !queued.contains(answerID), running[answerID] == nil else { return }
        queue.append(answerID)
        queued.insert(answerID)
        startMore()
    }

    /// Queues every answer a previous run left unfinished; while the database
    /// is unavailable it tries again until that works or the task is cancelled.
    func resumeUnfinished() async {
        do {
            let store = self.store
            let unfinished = try await StoreRetry.untilAvailable(logger: logger, "looking for unfinished answers") { try await store.unfinishedAnswers() }
            for answerID in unfinished { enqueue(answerID) }
        } catch is CancellationError {
            return
        } catch {
            logger.error("could not look for unfinished answers", metadata: ["error": "\(error)"])
        }
    }

    /// Every `interval`, takes up the unfinished answers nobody is working
    /// on: on a shared PostgreSQL, those of an instance that died mid-answer
    /// (once its leases expire), without waiting for it to restart.
    func takeOverAbandoned(every interval: Duration) async {
        let store = self.store
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
                for answerID in try await store.unclaimedAnswers() { enqueue(answerID) }
            } catch is CancellationError {
                return
            } catch {
                logger.warning("could not look for abandoned answers", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Stops taking work; running answers are cancelled and save what they
    /// have. Nothing is marked failed: running and queued answers stay
    /// unfinished and the next start answers them again.
    func shutdown(grace: Duration = .seconds(5)) async {
        isShuttingDown = true
        queue.removeAll()
        queued.removeAll()
        for task in running.values { task.cancel() }
        guard !running.isEmpty else { return }
        // Bounded: an answer stuck on an unreachable database must not hold
        // the process. Whatever it had not saved is redone by the next start.
        let timer = Task {
            try await Task.sleep(for: grace)
            self.giveUpWaiting()
        }
        await withCheckedContinuation { idleWaiters.append($0) }
        timer.cancel()
    }

    private func giveUpWaiting() {
        guard !running.isEmpty else { return }
        logger.warning(
            "answers did not stop in time; they stay unfinished and the next start answers them",
            metadata: ["answer_ids": "\(running.keys.sorted())"])
        resumeIdleWaiters()
    }

    private func resumeIdleWaiters() {
        let waiting = idleWaiters
        idleWaiters.removeAll()
        for waiter in waiting { waiter.resume() }
    }

    private func startMore() {
        while running.count < concurrency, !queue.isEmpty {
            let answerID = queue.removeFirst()
            queued.remove(answerID)
            running[answerID] = Task { await self.generate(answerID) }
        }
    }

    private func finished(_ answerID: String) {
        running[answerID] = nil
        if isShuttingDown {
            if running.isEmpty { resumeIdleWaiters() }
        } else {
            startMore()
        }
    }

    private func generate(_ answerID: String) async {
        defer { finished(answerID) }
        let store = self.store
        let writer = AnswerWriter(store: store, answerID: answerID, flushInterval: flushInterval, logger: logger)
        do {
            // Of several instances on one database, one answers (the others skip it).
            guard try await writer.retrying({ try await store.claimAnswer(answerID) }) else { return }
            guard let job = try await writer.retrying({ try await store.answerJob(answerID) }) else { return }
            try await writer.begin()
            let context = AnswerContext(question: job.question, history: job.history.map { Exchange(question: $0.question, answer: $0.answer) })
            try await writer.append(answerer.answer(context))
            try Task.checkCancellation()
            try await writer.finish()
            metrics?.recordAnswer(outcome: "completed")
        } catch is AnswerSuperseded {
            logger.info("answer finished or taken over elsewhere; stopping", metadata: ["answer_id": "\(answerID)"])
        } catch where Task.isCancelled || error is CancellationError {
            // Shutting down: the answer stays unfinished with what it has, and
            // the next start answers it again (as after a crash).
            await writer.saveForResume()
            logger.info("answer interrupted by shutdown; the next start resumes it", metadata: ["answer_id": "\(answerID)"])
        } catch {
            let reason = (error as? AnswerFailure)?.reason ?? "\(error)"
            logger.warning("answer failed", metadata: ["answer_id": "\(answerID)", "reason": "\(reason)"])
            do {
                try await writer.fail(reason: reason)
            } catch {
                logger.error("could not mark the answer failed", metadata: ["answer_id": "\(answerID)", "error": "\(error)"])
            }
            metrics?.recordAnswer(outcome: "failed")
        }
    }
}
