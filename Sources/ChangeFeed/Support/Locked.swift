import Foundation

/// A value behind a lock, for the few fields a replication thread shares with
/// async callers (the stop flag, the confirmed LSN).
///
/// `@unchecked Sendable` is safe because `value` is only read or written
/// inside `withLock`, which holds `lock` for the whole access, and `Value`
/// itself is `Sendable`. (`Synchronization.Mutex` would do, but needs macOS 15
/// while the package supports macOS 14.)
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    var current: Value { withLock { $0 } }
}
