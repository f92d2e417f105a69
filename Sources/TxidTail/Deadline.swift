/// Races an operation against `--timeout`.
enum Deadline {
    /// `body`'s result, or `onTimeout()` thrown once `timeout` has passed
    /// first (then `body` is cancelled and awaited). No timeout: just `body`.
    /// A cancelled wait never wins: cancellation is `body`'s to answer.
    static func run<T: Sendable>(
        _ timeout: Duration?, onTimeout: @escaping @Sendable () -> TailError, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        guard let timeout else { return try await body() }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                do {
                    try await Task.sleep(for: timeout)
                } catch {
                    return nil
                }
                throw onTimeout()
            }
            while let result = try await group.next() {
                if let value = result {
                    group.cancelAll()
                    return value
                }
            }
            // Only reachable if `body` vanished without a value or an error.
            throw CancellationError()
        }
    }
}
