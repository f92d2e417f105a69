/// An incremental parser for `text/event-stream` bodies, fed bytes as they arrive.
///
/// Follows the WHATWG rules: lines end in `\n`, `\r\n` or `\r` (also when the two bytes of
/// `\r\n` arrive in different chunks), `:` lines are comments, several `data:` lines of one
/// event are joined with `\n`, a blank line dispatches the event. Lines are cut as bytes and
/// decoded only when whole, so a character split across chunks is never garbled.
struct ServerSentEventParser {
    /// One dispatched event.
    struct Event: Equatable {
        /// The `event:` field, nil for the default "message" type.
        var type: String?
        /// The `data:` lines joined with `\n`.
        var data: String
    }

    private var line: [UInt8] = []
    private var lastByteWasCR = false
    private var atStart = true
    private var data: [UInt8] = []
    private var hasData = false
    private var type: String?

    /// Bytes held for a line or an event that is not complete yet.
    var pendingByteCount: Int { line.count + data.count }

    /// The events completed by `bytes`, in order.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if lastByteWasCR {
                lastByteWasCR = false
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0D:
                lastByteWasCR = true
                if let event = endLine() { events.append(event) }
            case 0x0A:
                if let event = endLine() { events.append(event) }
            default:
                line.append(byte)
            }
        }
        return events
    }

    /// At the end of the body: the last event even if the blank line after it never came
    /// (some servers end with `data: [DONE]\n`).
    mutating func finish() -> [Event] {
        var events: [Event] = []
        if !line.isEmpty, let event = endLine() { events.append(event) }
        if let event = dispatch() { events.append(event) }
        return events
    }

    private mutating func endLine() -> Event? {
        defer { line.removeAll(keepingCapacity: true) }
        if atStart {
            atStart = false
            // A byte order mark may open the stream; it is not part of the first field name.
            if line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
        }
        guard let first = line.first else { return dispatch() }
        if first == UInt8(ascii: ":") { return nil }

        let field: ArraySlice<UInt8>
        var value: ArraySlice<UInt8>
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            field = line[..<colon]
            value = line[(colon + 1)...]
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        } else {
            field = line[...]
            value = []
        }
        switch String(decoding: field, as: UTF8.self) {
        case "data":
            if hasData { data.append(0x0A) }
            data.append(contentsOf: value)
            hasData = true
        case "event":
            type = String(decoding: value, as: UTF8.self)
        default:
            break
        }
        return nil
    }

    private mutating func dispatch() -> Event? {
        defer {
            data.removeAll(keepingCapacity: true)
            hasData = false
            type = nil
        }
        guard hasData else { return nil }
        return Event(type: type, data: String(decoding: data, as: UTF8.self))
    }
}
