import Dispatch
import Synchronization
import SyncModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes group-committed batches durable off the writer's path.
///
/// A batch commits with `synchronous = NORMAL` (its frames are in the WAL,
/// not yet on disk) and is numbered; this syncs the WAL file with one
/// `fdatasync` for every batch committed by then, on a queue of its own, and
/// only then are the batch's writes answered. Meanwhile the writer runs the
/// next batch: under load the sync (milliseconds on a real disk) and the
/// writer's work overlap instead of adding up.
///
/// Nothing not yet on disk is shown to anyone: a read that exports data (the
/// change feed, snapshots, positions) waits, after it ran, until every batch
/// it could have seen is synced (``settled(through:)``). So a power cut can
/// lose only writes that nobody was told about, as with `synchronous = FULL`.
/// SQLite itself syncs the WAL before each checkpoint and when it starts
/// reusing the file, so NORMAL never costs the database its consistency.
final class WALSync: Sendable {
    private struct State {
        /// Numbers handed out: the batch with the highest is committing, or committed.
        var committing: UInt64 = 0
        /// Every batch up to this one finished its COMMIT (or failed it).
        var committed: UInt64 = 0
        /// Every batch up to this one is on disk.
        var synced: UInt64 = 0
        var waiters: [(number: UInt64, done: @Sendable (Result<Void, StoreError>) -> Void)] = []
        var syncing = false
        var descriptor: Int32 = -1
    }

    private let walPath: String
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "qactl.wal-sync")

    init(databasePath: String) {
        walPath = databasePath + "-wal"
    }

    deinit {
        state.withLock { if $0.descriptor >= 0 { close($0.descriptor) } }
    }

    /// On the writer, inside the batch's transaction right before its COMMIT: the batch's number.
    func willCommit() -> UInt64 {
        state.withLock { state in
            state.committing += 1
            return state.committing
        }
    }

    /// On the writer, once batch `number`'s COMMIT returned or failed.
    func didCommit(_ number: UInt64) {
        let start = state.withLock { state -> Bool in
            state.committed = max(state.committed, number)
            return startsSyncing(&state)
        }
        if start { queue.async { self.syncWhileWaited() } }
    }

    /// The highest batch number handed out. Taken inside a read transaction,
    /// after its statements ran, it is at least the number of every batch
    /// whose writes the read could see.
    var committing: UInt64 { state.withLock { $0.committing } }

    /// Calls `done` once batch `number` and every batch before it are on disk
    /// (at once when they are), or with the error that kept them from it.
    func whenSynced(_ number: UInt64, _ done: @escaping @Sendable (Result<Void, StoreError>) -> Void) {
        let (now, start) = state.withLock { state -> (Bool, Bool) in
            guard number > state.synced else { return (true, false) }
            state.waiters.append((number, done))
            return (false, startsSyncing(&state))
        }
        if now { done(.success(())) }
        if start { queue.async { self.syncWhileWaited() } }
    }

    /// Returns once every batch up to `number` is on disk.
    func settled(through number: UInt64) async throws {
        if state.withLock({ number <= $0.synced }) { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            whenSynced(number) { continuation.resume(with: $0.mapError { $0 as any Error }) }
        }
    }

    /// Whether a sync should start now: someone waits for a committed batch and none is running.
    private func startsSyncing(_ state: inout State) -> Bool {
        guard !state.syncing, state.waiters.contains(where: { $0.number <= state.committed }) else { return false }
        state.syncing = true
        return true
    }

    /// Syncs for as long as someone waits for a committed batch that is not on disk.
    private func syncWhileWaited() {
        while true {
            let target = state.withLock { state -> UInt64? in
                guard state.waiters.contains(where: { $0.number <= state.committed }) else {
                    state.syncing = false
                    return nil
                }
                return state.committed
            }
            guard let target else { return }
            let result = syncFile()
            let ready = state.withLock { state in
                if case .success = result { state.synced = max(state.synced, target) }
                let ready = state.waiters.filter { $0.number <= target }
                state.waiters.removeAll { $0.number <= target }
                return ready
            }
            for waiter in ready { waiter.done(result) }
        }
    }

    /// `fdatasync` of the WAL file: through a descriptor of its own, opened
    /// again when the file was replaced (a sync flushes the file, whichever
    /// descriptor asks).
    private func syncFile() -> Result<Void, StoreError> {
        var descriptor = state.withLock { $0.descriptor }
        var info = stat()
        if descriptor >= 0, fstat(descriptor, &info) != 0 || info.st_nlink == 0 {
            close(descriptor)
            descriptor = -1
        }
        if descriptor < 0 {
            descriptor = open(walPath, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                return .failure(StoreError(.unavailable, "the database's disk failed: cannot open \(walPath) to sync it: \(String(cString: strerror(errno)))"))
            }
        }
        state.withLock { $0.descriptor = descriptor }
        guard fdatasync(descriptor) == 0 else {
            return .failure(StoreError(.unavailable, "the database's disk failed: syncing \(walPath): \(String(cString: strerror(errno)))"))
        }
        return .success(())
    }
}
