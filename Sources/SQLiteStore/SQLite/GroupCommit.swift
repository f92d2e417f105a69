import Foundation
import GRDB
import Synchronization
import SyncModel

/// Group commit for the embedded store: writes that arrive while one SQLite
/// transaction is running wait, and then share the next one (one BEGIN, one
/// COMMIT, one fsync). A write that throws is rolled back alone and the
/// others commit (the batch then runs again, each write in a savepoint of
/// its own); each gets its own result (and, through
/// ``SQLiteDatabase/transaction(_:)``, its own txid). Nothing waits for
/// company: an idle store runs a lone write at once.
///
/// `Opening` is what a batch's prologue notes before its writes for its
/// epilogue, which runs after them in the same transaction and returns what
/// to do once the batch has committed (before any writer hears of it).
final class GroupCommit<Opening>: Sendable {
    /// One write waiting for a batch.
    private struct Job: Sendable {
        let work: @Sendable (Database) throws -> any Sendable
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    private struct Queue {
        var jobs: [Job] = []
        var draining = false
    }

    /// The most writes one transaction takes; the rest wait for the next one.
    static var maximumBatch: Int { 256 }

    private let writer: DatabasePool
    /// Runs first in every batch (before the first savepoint).
    private let prologue: @Sendable (Database) throws -> Opening
    /// Runs last in every batch (after the last savepoint); what it returns runs after the commit.
    private let epilogue: @Sendable (Database, Opening) -> (@Sendable () -> Void)
    private let queue = Mutex(Queue())
    /// Batches still to run with a savepoint per write straight away: after a
    /// batch had to run again, the next few do not try without. Refusals come
    /// in runs (a client's retries after a timeout are repeats), and a batch
    /// run twice costs about twice the writer's time.
    private let isolatedBatchesLeft = Atomic<Int>(0)

    init(writer: DatabasePool, prologue: @escaping @Sendable (Database) throws -> Opening,
         epilogue: @escaping @Sendable (Database, Opening) -> (@Sendable () -> Void)) {
        self.writer = writer
        self.prologue = prologue
        self.epilogue = epilogue
    }

    /// Runs `work` in the next batch; returns its result once the batch committed.
    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let value = try await withCheckedThrowingContinuation { continuation in
            let startDrain = queue.withLock { queue -> Bool in
                queue.jobs.append(Job(work: { try work($0) }, continuation: continuation))
                guard !queue.draining else { return false }
                queue.draining = true
                return true
            }
            if startDrain { drain() }
        }
        guard let result = value as? T else { preconditionFailure("a group-commit job returned \(type(of: value)), not \(T.self)") }
        return result
    }

    /// How many batches run with savepoints after one had to run again.
    static var isolatedAfterRefusal: Int { 16 }

    /// The longest one turn on the writer runs batches back to back before it
    /// lets the pool's other writes (catalog saves, compaction) in.
    static var turn: Duration { .milliseconds(20) }

    /// Runs batches until no write is waiting, straight on the writer's
    /// queue: batches follow each other there without a hand-over to the
    /// task pool and back (about a millisecond per batch under load, time in
    /// which the writer did nothing). After a turn the queue's other writes
    /// (catalog saves, compaction) get their go, then the drain goes on.
    private func drain() {
        writer.asyncWriteWithoutTransaction { db in
            let end = ContinuousClock.now + Self.turn
            while let batch = self.take() {
                self.run(batch, db)
                if ContinuousClock.now >= end { return self.drain() }
            }
        }
    }

    /// The next batch, or nil (and the drain over) when no write waits.
    private func take() -> [Job]? {
        queue.withLock { queue -> [Job]? in
            let taken = Array(queue.jobs.prefix(Self.maximumBatch))
            queue.jobs.removeFirst(taken.count)
            if taken.isEmpty { queue.draining = false }
            return taken.isEmpty ? nil : taken
        }
    }

    /// Runs `batch` in one transaction, then answers each of its writes.
    private func run(_ batch: [Job], _ db: Database) {
        var outcomes: [Result<any Sendable, any Error>] = []
        do {
            // Without savepoints first, unless a batch needed them lately.
            let committed: @Sendable () -> Void
            if isolatedBatchesLeft.load(ordering: .relaxed) > 0 {
                isolatedBatchesLeft.subtract(1, ordering: .relaxed)
                committed = try isolatedAttempt(batch, db, &outcomes)
            } else if let quick = try attempt(batch, db, isolating: false, &outcomes) {
                committed = quick
            } else {
                isolatedBatchesLeft.store(Self.isolatedAfterRefusal, ordering: .relaxed)
                committed = try isolatedAttempt(batch, db, &outcomes)
            }
            committed()
        } catch {
            // BEGIN or COMMIT failed: none of the batch happened. A write that met a
            // full or failing disk (SQLite then rolls the whole transaction back) says
            // why better than the COMMIT that found no transaction: a 503 to retry.
            let unavailable = outcomes.lazy.compactMap { outcome -> (any Error)? in
                guard case .failure(let failure) = outcome else { return nil }
                let classified = SQLiteDatabase.classify(failure)
                return (classified as? StoreError)?.code == .unavailable ? classified : nil
            }.first
            let failure = unavailable ?? SQLiteDatabase.classify(error)
            for job in batch { job.continuation.resume(throwing: failure) }
            return
        }
        for (job, outcome) in zip(batch, outcomes) {
            switch outcome {
            case .success(let value): job.continuation.resume(returning: value)
            case .failure(let error): job.continuation.resume(throwing: SQLiteDatabase.classify(error))
            }
        }
    }

    /// The batch with a savepoint per write: it commits unless BEGIN or COMMIT fails.
    private func isolatedAttempt(
        _ batch: [Job], _ db: Database, _ outcomes: inout [Result<any Sendable, any Error>]
    ) throws -> @Sendable () -> Void {
        guard let done = try attempt(batch, db, isolating: true, &outcomes) else {
            throw StoreError(.failed, "a group commit's transaction did not commit")
        }
        return done
    }

    /// One run of `batch` in a transaction: its `outcomes`, and what to do now
    /// that it committed. Not `isolating`, the writes run one after the
    /// other, and the first that throws rolls the whole transaction back
    /// (nil: nothing happened). `isolating`, each write runs in a savepoint
    /// of its own, so one that throws is rolled back alone. A savepoint per
    /// write costs two statements and a copy of every page the write
    /// touches, for the batches that need it (see ``isolatedBatchesLeft``).
    private func attempt(
        _ batch: [Job], _ db: Database, isolating: Bool, _ outcomes: inout [Result<any Sendable, any Error>]
    ) throws -> (@Sendable () -> Void)? {
        outcomes.removeAll(keepingCapacity: true)
        outcomes.reserveCapacity(batch.count)
        var committed: (@Sendable () -> Void)?
        try db.inTransaction(.immediate) {
            let opening = try prologue(db)
            for job in batch {
                let outcome = isolating ? Self.inSavepoint(db, job.work) : Result { try job.work(db) }
                outcomes.append(outcome)
                guard case .failure(let failure) = outcome else { continue }
                if !isolating { return .rollback }
                // A full or failing disk can make SQLite roll the whole transaction back;
                // the next savepoint would then start a transaction of its own and
                // commit outside the batch. Stop here: none of the batch happened.
                if !db.isInsideTransaction { throw failure }
            }
            committed = epilogue(db, opening)
            return .commit
        }
        return committed
    }

    /// Runs `work` in a savepoint, rolled back if it throws.
    private static func inSavepoint(_ db: Database, _ work: (Database) throws -> any Sendable) -> Result<any Sendable, any Error> {
        Result {
            var value: (any Sendable)?
            try db.inSavepoint {
                value = try work(db)
                return .commit
            }
            guard let value else { throw StoreError(.failed, "a write in a group commit returned nothing") }
            return value
        }
    }
}
