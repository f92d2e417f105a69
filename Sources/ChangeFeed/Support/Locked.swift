import Synchronization

/// A `Mutex` shared by reference: the few fields a replication thread shares
/// with async callers (the stop flag, the confirmed LSN) live in one of these,
/// held by both sides. (`Mutex` itself cannot be copied into two owners.)
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    func withLock<Result: Sendable>(_ body: (inout sending Value) throws -> sending Result) rethrows -> sending Result {
        try mutex.withLock(body)
    }

    var current: Value { withLock { $0 } }
}
