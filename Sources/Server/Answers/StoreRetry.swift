import Logging
import SyncModel

/// Work that must outlast a database outage (answer writes, looking for
/// unfinished answers): tried again while the store says `unavailable`,
/// backing off from 250 ms to 5 s, until it succeeds, fails otherwise, or the
/// task is cancelled (shutdown).
enum StoreRetry {
    static func untilAvailable<T>(
        logger: Logger, _ what: @autoclosure () -> String, _ operation: () async throws -> T
    ) async throws -> T {
        var delay: Duration = .milliseconds(250)
        var warned = false
        while true {
            do {
                return try await operation()
            } catch let error as StoreError where error.code == .unavailable {
                if !warned {
                    logger.warning("the database is unavailable; \(what()) waits for it", metadata: ["error": "\(error)"])
                    warned = true
                }
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }
}
