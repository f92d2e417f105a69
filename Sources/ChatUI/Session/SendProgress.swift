import Synchronization

/// What a send's confirmation reports: when it left, and the txid its write
/// returned (set by the mutation function, before the txid is awaited).
final class SendProgress: Sendable {
    let started = ContinuousClock.now
    private let written = Mutex<UInt64?>(nil)

    var txid: UInt64? { written.withLock { $0 } }

    func record(_ txid: UInt64) {
        written.withLock { $0 = txid }
    }
}
