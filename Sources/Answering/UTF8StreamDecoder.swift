/// Decodes UTF-8 that arrives in arbitrary chunks: a character whose bytes are split
/// between two reads is held back until it is whole, instead of becoming two U+FFFD.
/// Bytes that are not UTF-8 at all become U+FFFD.
struct UTF8StreamDecoder {
    private var pending: [UInt8] = []

    /// The text of `bytes` after whatever was held back, minus an incomplete last character.
    mutating func decode(_ bytes: some Sequence<UInt8>) -> String {
        pending.append(contentsOf: bytes)
        let cut = Self.completePrefixLength(pending)
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// At the end of input: whatever was held back (an incomplete character becomes U+FFFD).
    mutating func finish() -> String {
        defer { pending = [] }
        return String(decoding: pending, as: UTF8.self)
    }

    /// How many leading bytes of `bytes` can be decoded now: all but a trailing lead byte
    /// whose continuation bytes have not arrived yet.
    private static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let count = bytes.count
        var index = count - 1
        // A character is at most four bytes, so only the last three can start an incomplete one.
        while index >= 0 && index >= count - 3 {
            let byte = bytes[index]
            if byte & 0xC0 == 0x80 {
                index -= 1
                continue
            }
            guard byte >= 0xC0 else { return count }
            let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
            return count - index < length ? index : count
        }
        return count
    }
}
