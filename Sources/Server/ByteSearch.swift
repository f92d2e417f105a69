extension String {
    /// Whether `needle`'s bytes occur in this string's UTF-8. The standard
    /// library's `utf8.firstRange(of:)` is generic, builds a searcher and looks
    /// up type metadata on each call; it was a twentieth of the server's CPU
    /// under load, checking every request head for a live poll.
    func containsBytes(_ needle: StaticString) -> Bool {
        var text = self
        return text.withUTF8 { haystack in
            needle.withUTF8Buffer { needle in
                guard let first = needle.first, needle.count <= haystack.count else { return needle.isEmpty }
                var start = 0
                while start <= haystack.count - needle.count {
                    if haystack[start] == first, needle.indices.allSatisfy({ haystack[start + $0] == needle[$0] }) { return true }
                    start += 1
                }
                return false
            }
        }
    }
}
