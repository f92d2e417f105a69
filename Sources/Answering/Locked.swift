import Foundation

/// A value shared between threads (reader threads, timers, cancellation handlers), every
/// access under one lock.
///
/// `@unchecked Sendable` is safe because `value` is only reached through `withLock`, which
/// holds `lock` for the whole access; `Synchronization.Mutex` would do the same but needs
/// macOS 15, above the package's platform floor.
final class Locked<Value>: @unchecked Sendable {
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
}
