import Synchronization
import Tokens

/// The txids a tail has printed, shared with the `--timeout` timer so that a
/// timeout can name what was seen meanwhile.
final class TailProgress: Sendable {
    private let seen = Mutex<[UInt64]>([])

    func saw(_ txids: [UInt64]) {
        seen.withLock { $0 += txids }
    }

    /// The `timed_out` error for `txid` after `timeout`.
    func timeoutError(txid: UInt64, timeout: Duration, what: String = "txid") -> TailError {
        let txids = seen.withLock { $0 }
        let meanwhile: String
        if txids.isEmpty {
            meanwhile = "no transaction arrived meanwhile"
        } else {
            let shown = txids.suffix(20).map(String.init).joined(separator: ", ")
            meanwhile = "seen meanwhile: \(txids.count > 20 ? "…, " : "")\(shown)"
        }
        return TailError(.timedOut, "\(what) \(txid) not seen within \(DurationText.format(timeout)); \(meanwhile)")
    }
}
