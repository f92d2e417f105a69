/// The `r` message a replication client sends back: how far it has written,
/// flushed and applied. The server advances the slot (and may recycle WAL) up
/// to `flushed`, so qactl reports only what its consumer confirmed.
struct StandbyStatusUpdate: Equatable, Sendable {
    var written: UInt64
    var flushed: UInt64
    var applied: UInt64
    /// The client's clock, microseconds since 2000-01-01 UTC.
    var clock: Int64
    var replyRequested: Bool

    /// All three positions set to `lsn`: qactl has no separate write and apply stages.
    init(confirmed lsn: UInt64, clock: Int64, replyRequested: Bool = false) {
        self.written = lsn
        self.flushed = lsn
        self.applied = lsn
        self.clock = clock
        self.replyRequested = replyRequested
    }

    /// `'r'`, three Int64 positions, the Int64 clock and a reply flag: 34 bytes.
    func encoded() -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "r")]
        bytes.reserveCapacity(34)
        for value in [written, flushed, applied, UInt64(bitPattern: clock)] {
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
            }
        }
        bytes.append(replyRequested ? 1 : 0)
        return bytes
    }
}
