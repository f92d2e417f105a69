import Foundation
import GRDB
import Synchronization
import SyncModel

/// Group commit for the embedded store: writes that arrive while one SQLite
/// transaction is running wait, and then share the next one (one BEGIN, one
/// COMMIT, one fsync, the fsync overlapping the next batch: ``WALSync``). Each write still runs in a savepoint of its own, so a
/// write that throws is rolled back alone and the others commit; each gets
/// its own result (and, through ``SQLiteDatabase/transaction(_:)``, its own
/// txid). Nothing waits for company: an idle store runs a lone write at once.
final class GroupCommit: Sendable {
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
    static let maximumBatch = 256

    private let writer: DatabasePool
    /// Where a committed batch waits to be on disk before its writes are answered.
    let walSync: WALSync
    /// Runs first in every batch (before the first savepoint).
    private let prologue: @Sendable (Database) throws -> Void
    private let queue = Mutex(Queue())

    init(writer: DatabasePool, walSync: WALSync, prologue: @escaping @Sendable (Database) throws -> Void) {
        self.writer = writer
        self.walSync = walSync
        self.prologue = prologue
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
            if startDrain { Task { await self.drain() } }
        }
        guard let result = value as? T else { preconditionFailure("a group-commit job returned \(type(of: value)), not \(T.self)") }
        return result
    }

    /// Runs batches until no write is waiting.
    private func drain() async {
        while true {
            let batch = queue.withLock { queue -> [Job] in
                let taken = Array(queue.jobs.prefix(Self.maximumBatch))
                queue.jobs.removeFirst(taken.count)
                if taken.isEmpty { queue.draining = false }
                return taken
            }
            guard !batch.isEmpty else { return }
            await run(batch)
        }
    }

    /// Runs and commits `batch`, then leaves it to ``WALSync``: the writer
    /// goes on with the next batch while this one is synced, and each write
    /// is answered once its batch is on disk.
    private func run(_ batch: [Job]) async {
        let outcomes: [Result<any Sendable, any Error>]
        do {
            outcomes = try await SQLiteDatabase.classifyingErrors {
                try await writer.writeWithoutTransaction { db in
                    // The commit's sync is WALSync's; every other write of the connection syncs its own.
                    try db.cachedStatement(sql: "PRAGMA synchronous = NORMAL").execute()
                    defer { try? db.cachedStatement(sql: "PRAGMA synchronous = FULL").execute() }
                    var outcomes: [Result<any Sendable, any Error>] = []
                    try db.inTransaction(.immediate) {
                        try prologue(db)
                        for job in batch {
                            outcomes.append(Self.inSavepoint(db, job.work))
                        }
                        return .commit
                    }
                    return outcomes
                }
            }
        } catch {
            // BEGIN or COMMIT failed: none of the batch happened.
            for job in batch { job.continuation.resume(throwing: error) }
            return
        }
        walSync.afterNextSync { synced in
            for (job, outcome) in zip(batch, outcomes) {
                switch (synced, outcome) {
                case (.failure(let error), _): job.continuation.resume(throwing: error)
                case (.success, .success(let value)): job.continuation.resume(returning: value)
                case (.success, .failure(let error)): job.continuation.resume(throwing: SQLiteDatabase.classify(error))
                }
            }
        }
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
