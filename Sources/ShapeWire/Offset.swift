/// A position in a shape's log: `-1`, `<tx>_<op>` or `<tx>_inf` (and `now`, in requests only).
///
/// Offsets are totally ordered by `(tx, op)` with `inf` after every integer op.
/// The initial snapshot uses `0_0`, `0_1`, … (its chunks) and `0_inf` marks its end.
///
/// ```swift
/// let offset = Offset("26800584_4")   // tx 26800584, op 4
/// offset! > Offset.snapshotEnd         // true
/// ```
public struct Offset: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `-1`: before everything.
    public static let beforeAll = Offset(tx: 0, op: -1, isBeforeAll: true)
    /// `0_inf`: after the whole initial snapshot, before any log entry.
    public static let snapshotEnd = Offset(tx: 0, op: Offset.infinity)

    /// Op value that stands for `inf`.
    public static let infinity = Int64.max

    public let tx: UInt64
    /// The op index, or ``infinity``.
    public let op: Int64
    private let isBeforeAll: Bool

    private init(tx: UInt64, op: Int64, isBeforeAll: Bool) {
        self.tx = tx
        self.op = op
        self.isBeforeAll = isBeforeAll
    }

    public init(tx: UInt64, op: Int64) {
        self.init(tx: tx, op: op, isBeforeAll: false)
    }

    /// Parses `-1`, `<tx>_<op>` or `<tx>_inf`. Leading zeros are accepted; signs,
    /// spaces and anything else are not. `now` is not an offset (see ``RequestedOffset``).
    public init?(_ text: some StringProtocol) {
        if text == "-1" {
            self = .beforeAll
            return
        }
        // One pass over the bytes: every shape request carries an offset.
        var bytes = text.utf8.makeIterator()
        guard let tx = Self.number(&bytes, until: UInt8(ascii: "_"), limit: UInt64.max) else { return nil }
        var rest = bytes
        if rest.next() == UInt8(ascii: "i"), rest.next() == UInt8(ascii: "n"), rest.next() == UInt8(ascii: "f"), rest.next() == nil {
            self.init(tx: tx, op: Self.infinity)
        } else if let op = Self.number(&bytes, until: nil, limit: UInt64(Self.infinity - 1)) {
            self.init(tx: tx, op: Int64(op))
        } else {
            return nil
        }
    }

    /// Decimal digits up to `terminator` (consumed) or the end when it is nil;
    /// nil when there are none, another byte comes first, or the value passes `limit`.
    private static func number(_ bytes: inout some IteratorProtocol<UInt8>, until terminator: UInt8?, limit: UInt64) -> UInt64? {
        var value: UInt64 = 0
        var digits = 0
        while true {
            guard let byte = bytes.next() else { return terminator == nil && digits > 0 ? value : nil }
            if byte == terminator { return digits > 0 ? value : nil }
            guard byte >= 48 && byte <= 57 else { return nil }
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times.addingReportingOverflow(UInt64(byte - 48))
            guard !overflow, !carry, sum <= limit else { return nil }
            value = sum
            digits += 1
        }
    }

    public var isBeforeAllOffsets: Bool { isBeforeAll }
    /// True for `0_n` and `0_inf`: positions inside or at the end of the initial snapshot.
    public var isInSnapshot: Bool { !isBeforeAll && tx == 0 }

    public var description: String {
        if isBeforeAll { return "-1" }
        return op == Self.infinity ? "\(tx)_inf" : "\(tx)_\(op)"
    }

    public static func < (lhs: Offset, rhs: Offset) -> Bool {
        if lhs.isBeforeAll != rhs.isBeforeAll { return lhs.isBeforeAll }
        return (lhs.tx, lhs.op) < (rhs.tx, rhs.op)
    }
}

/// The `offset` query parameter: an offset, or `now`.
public enum RequestedOffset: Sendable, Hashable {
    case offset(Offset)
    case now

    public init?(_ text: some StringProtocol) {
        if text == "now" {
            self = .now
        } else if let offset = Offset(text) {
            self = .offset(offset)
        } else {
            return nil
        }
    }
}
