/// A bounds-checked, big-endian reader over one message's bytes.
///
/// Every read checks the remaining length first and throws
/// `ChangeFeedError(.malformedMessage)` when the bytes run out, so a truncated
/// or hostile message can never read past its end.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset >= bytes.count }

    mutating func readUInt8(_ what: String) throws -> UInt8 {
        try need(1, what)
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16(_ what: String) throws -> UInt16 {
        UInt16(truncatingIfNeeded: try readBigEndian(2, what))
    }

    mutating func readUInt32(_ what: String) throws -> UInt32 {
        UInt32(truncatingIfNeeded: try readBigEndian(4, what))
    }

    mutating func readInt32(_ what: String) throws -> Int32 {
        Int32(bitPattern: try readUInt32(what))
    }

    mutating func readUInt64(_ what: String) throws -> UInt64 {
        try readBigEndian(8, what)
    }

    mutating func readInt64(_ what: String) throws -> Int64 {
        Int64(bitPattern: try readUInt64(what))
    }

    /// Reads `count` raw bytes; a negative or oversized count throws.
    mutating func readBytes(_ count: Int, _ what: String) throws -> [UInt8] {
        guard count >= 0 else {
            throw ChangeFeedError(.malformedMessage, "negative length \(count) for \(what) at byte \(offset)")
        }
        try need(count, what)
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Reads a NUL-terminated string, as the protocol's `String` type.
    mutating func readCString(_ what: String) throws -> String {
        guard let end = bytes[offset...].firstIndex(of: 0) else {
            throw ChangeFeedError(.malformedMessage, "\(what) at byte \(offset) has no terminating NUL")
        }
        defer { offset = end + 1 }
        return Self.text(bytes[offset..<end])
    }

    /// Everything not read yet.
    mutating func readRest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[min(offset, bytes.count)...])
    }

    /// Throws unless every byte was read: trailing bytes mean the message was
    /// not the kind its tag said.
    func expectEnd(_ what: String) throws {
        guard isAtEnd else {
            throw ChangeFeedError(.malformedMessage, "\(remaining) unexpected trailing bytes after \(what)")
        }
    }

    /// Text as PostgreSQL sent it. Invalid UTF-8 (a non-UTF8 server encoding)
    /// is repaired with U+FFFD rather than stopping the feed; `checkServer()`
    /// reports such servers up front.
    static func text(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    private func need(_ count: Int, _ what: String) throws {
        guard count <= remaining else {
            throw ChangeFeedError(
                .malformedMessage, "truncated \(what): needs \(count) bytes at byte \(offset), \(max(remaining, 0)) left")
        }
    }

    private mutating func readBigEndian(_ width: Int, _ what: String) throws -> UInt64 {
        try need(width, what)
        var value: UInt64 = 0
        for index in offset..<offset + width {
            value = value << 8 | UInt64(bytes[index])
        }
        offset += width
        return value
    }
}
