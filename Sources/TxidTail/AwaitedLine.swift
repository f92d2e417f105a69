/// `--await`'s transaction is there: the last line before exit 0.
///
/// ```text
/// awaited txid 752: seen in a change
/// {"type":"awaited","txid":752,"seen":"snapshot"}
/// ```
public struct AwaitedLine: Sendable, Equatable {
    /// The awaited txid (the 32-bit xid in PostgreSQL mode).
    public var txid: UInt64
    /// How the tail knows it is there.
    public var evidence: AwaitEvidence

    /// The line for `txid`, found by `evidence`.
    public init(txid: UInt64, evidence: AwaitEvidence) {
        self.txid = txid
        self.evidence = evidence
    }
}

extension AwaitedLine: TailLineRepresentable {
    /// `awaited txid 752: seen in a change`.
    public func text(color: Bool) -> String {
        let paint = Paint(enabled: color)
        let how = switch evidence {
        case .change: "seen in a change"
        case .snapshot: "already visible in the shape's snapshot"
        case .committed: "committed before the tail started"
        }
        return paint.green("awaited") + " txid " + paint.bold(String(txid)) + ": " + how
    }

    /// `{"type":"awaited","txid":752,"seen":"change"}`.
    public var json: String {
        var line = JSONLine(type: "awaited")
        line.add("txid", txid)
        line.add("seen", evidence.rawValue)
        return line.text
    }
}
