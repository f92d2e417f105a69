import Synchronization

/// Cancels the task it holds when its owner goes away: an observed model
/// follows its collection only as long as someone (a view) keeps it.
final class TaskCancellation: Sendable {
    private let task = Mutex<Task<Void, Never>?>(nil)

    func hold(_ newTask: Task<Void, Never>) {
        task.withLock { $0 = newTask }
    }

    deinit {
        task.withLock { $0?.cancel() }
    }
}
