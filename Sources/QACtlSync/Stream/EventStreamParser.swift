/// Splits a `text/event-stream` body into the data of its events, whatever
/// the chunking: `data:` lines gather until a blank line; `:` lines are
/// comments (the server's keep-alives); other fields are ignored.
struct EventStreamParser {
    private var pending: [UInt8] = []
    private var data: [String] = []

    /// The data of every event completed by `bytes`.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        var events: [String] = []
        for byte in bytes {
            guard byte == UInt8(ascii: "\n") else {
                pending.append(byte)
                continue
            }
            if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
            let line = String(decoding: pending, as: UTF8.self)
            pending.removeAll(keepingCapacity: true)
            if line.isEmpty {
                if !data.isEmpty { events.append(data.joined(separator: "\n")) }
                data.removeAll()
            } else if line.hasPrefix("data:") {
                let value = line.dropFirst(5)
                data.append(String(value.first == " " ? value.dropFirst() : value))
            }
        }
        return events
    }
}
