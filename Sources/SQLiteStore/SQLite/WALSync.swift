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
/// not yet on disk) and then waits here for an `fdatasync` of the WAL file
/// that began after its COMMIT returned, on a queue of its own; only then are
/// its writes answered. One sync serves every batch and read waiting when it
/// begins, and meanwhile the writer runs the next batch: under load the sync
/// and the writer's work overlap instead of adding up.
///
/// Nothing not yet on disk is shown to anyone: a read that exports data (the
/// change feed, snapshots, positions) waits, after it ran, for a sync that
/// began after it (``settled()``), which covers whatever it saw, this
/// process's commits and other processes' alike. A power cut can lose only
/// writes nobody was told about, as with `synchronous = FULL`. SQLite itself
/// syncs the WAL before each checkpoint and when it starts reusing the file.
///
/// A sync that fails stops every later write and read (PostgreSQL does the
/// same): after a failed `fdatasync` the kernel may have dropped the pages it
/// could not write, and a later sync that succeeds would not bring them back.
final class WALSync: Sendable {
    private struct State {
        /// Syncs begun so far; a waiter needs one numbered above this when it arrives.
        var begun: UInt64 = 0
        var waiters: [(sync: UInt64, done: @Sendable (Result<Void, StoreError>) -> Void)] = []
        var syncing = false
        var failure: StoreError?
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

    /// Calls `done` once a sync that begins after this call has finished: what
    /// was in the WAL file when it was called is then on disk. With the
    /// failure instead, for good, once a sync failed.
    func afterNextSync(_ done: @escaping @Sendable (Result<Void, StoreError>) -> Void) {
        let (failure, start) = state.withLock { state -> (StoreError?, Bool) in
            if let failure = state.failure { return (failure, false) }
            state.waiters.append((state.begun + 1, done))
            guard !state.syncing else { return (nil, false) }
            state.syncing = true
            return (nil, true)
        }
        if let failure { done(.failure(failure)) }
        if start { queue.async { self.syncWhileWaited() } }
    }

    /// Returns once what the WAL file holds now is on disk.
    func settled() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            afterNextSync { continuation.resume(with: $0.mapError { $0 as any Error }) }
        }
    }

    /// Syncs for as long as someone waits.
    private func syncWhileWaited() {
        while true {
            let number = state.withLock { state -> UInt64? in
                guard !state.waiters.isEmpty else {
                    state.syncing = false
                    return nil
                }
                state.begun += 1
                return state.begun
            }
            guard let number else { return }
            let result = syncFile()
            let ready = state.withLock { state in
                if case .failure(let error) = result {
                    state.failure = StoreError(.unavailable, error.message + "; nothing more is written or served until qactl serve is restarted")
                    let all = state.waiters
                    state.waiters = []
                    return all
                }
                let ready = state.waiters.filter { $0.sync <= number }
                state.waiters.removeAll { $0.sync <= number }
                return ready
            }
            let outcome = state.withLock { $0.failure }.map { Result<Void, StoreError>.failure($0) } ?? .success(())
            for waiter in ready { waiter.done(outcome) }
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
            // No WAL file: nothing was written since the last connection closed it after a checkpoint.
            if descriptor < 0 && errno == ENOENT { return .success(()) }
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
