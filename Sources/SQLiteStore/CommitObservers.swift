import Synchronization

/// Who wants to hear that a store committed to its change log (the sync
/// service's feed, through `ShapeSource.onCommit`). Told once per commit,
/// after the commit's transactions went to ``RecentTransactions`` (or what
/// it held was forgotten, so the feed reads the file).
final class CommitObservers: Sendable {
    private let observers = Mutex<[@Sendable () -> Void]>([])

    func add(_ observer: @escaping @Sendable () -> Void) {
        observers.withLock { $0.append(observer) }
    }

    func notify() {
        for observer in observers.withLock({ $0 }) { observer() }
    }
}
