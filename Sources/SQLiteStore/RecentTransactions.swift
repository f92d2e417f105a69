import Synchronization
import SyncModel

/// The transactions this process committed to a change log last, as stored
/// (with their change sequences), so the sync service takes what was just
/// written without reading it back from SQLite. It answers only when it holds
/// everything after the asked position up to the newest change this process
/// committed; otherwise the caller reads the file, which is always right. This
/// holds only while every commit of this process to the log is published here
/// (``FeedLog/append(contentsOf:confirmedLSN:)``, the embedded store's group
/// commit), or the held ones are forgotten.
final class RecentTransactions: Sendable {
    private struct Held {
        var transactions: [CommittedTransaction] = []
        /// The last change sequence up to each transaction (non-decreasing), to find a position by binary search.
        var ends: [Int64] = []
        var changeCount = 0

        mutating func append(_ transaction: CommittedTransaction) {
            transactions.append(transaction)
            ends.append(transaction.changes.last?.sequence ?? ends.last ?? 0)
            changeCount += transaction.changes.count
        }

        /// The index just after the transaction whose last change is `sequence`, if one is held.
        func index(after sequence: Int64) -> Int? {
            var low = 0
            var high = ends.count
            while low < high {
                let middle = (low + high) / 2
                if ends[middle] < sequence { low = middle + 1 } else { high = middle }
            }
            guard low < ends.count, transactions[low].changes.last?.sequence == sequence else { return nil }
            return low + 1
        }
    }

    /// Between this many changes and twice as many are kept (whole transactions): a few MB at most.
    let capacity: Int

    private let held = Mutex(Held())

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Adds transactions just committed to the log. A batch that does not
    /// continue the held ones (published out of order, or after a reset)
    /// replaces them, or is dropped if it is older: readers then use the file.
    func published(_ batch: [CommittedTransaction]) {
        guard let first = batch.first?.changes.first?.sequence else { return }
        held.withLock { held in
            let last = held.transactions.last?.changes.last?.sequence
            if let last, first <= last { return }
            if let last, first != last + 1 { held = Held() }
            for transaction in batch { held.append(transaction) }
            // Trimmed in bulk, down to the capacity once it is twice over: O(1) per change.
            guard held.changeCount > 2 * capacity else { return }
            var dropped = 0
            while held.changeCount > capacity, held.transactions.count - dropped > 1 {
                held.changeCount -= held.transactions[dropped].changes.count
                dropped += 1
            }
            held.transactions.removeFirst(dropped)
            held.ends.removeFirst(dropped)
        }
    }

    /// Drops what is held: a commit could not be published, so readers must use the file.
    func forget() {
        held.withLock { $0 = Held() }
    }

    /// Whole transactions with changes after `sequence` (about `limit` changes),
    /// or nil when the file must answer: nothing held, or `sequence` is before
    /// the held ones or not at a transaction's end.
    func transactions(afterSequence sequence: Int64, limit: Int) -> [CommittedTransaction]? {
        held.withLock { held -> [CommittedTransaction]? in
            guard let first = held.transactions.first?.changes.first?.sequence else { return nil }
            let start: Int
            if sequence == first - 1 {
                start = 0
            } else {
                guard let index = held.index(after: sequence) else { return nil }
                start = index
            }
            var taken: [CommittedTransaction] = []
            var count = 0
            for transaction in held.transactions[start...] {
                if count > 0 && count + transaction.changes.count > limit { break }
                taken.append(transaction)
                count += transaction.changes.count
            }
            return taken
        }
    }
}
