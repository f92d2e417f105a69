import ShapeWire

/// A shape's log of change messages after its snapshot, cut into chunks so that
/// each `(handle, offset)` maps to a stable, cacheable response.
struct ShapeLog: Sendable {
    struct Entry: Sendable {
        let offset: Offset
        let json: String
    }

    private(set) var entries: [Entry] = []
    /// Indexes (exclusive ends) at which closed chunks end.
    private var chunkEnds: [Int] = []
    private var openChunkBytes = 0
    let chunkBytes: Int

    init(chunkBytes: Int) {
        self.chunkBytes = chunkBytes
    }

    /// The offset of the newest entry, or nil when the log is empty.
    var lastOffset: Offset? { entries.last?.offset }

    /// Appends one transaction's entries; a chunk closes only between transactions.
    mutating func append(transaction: [Entry]) {
        guard !transaction.isEmpty else { return }
        entries.append(contentsOf: transaction)
        openChunkBytes += transaction.reduce(0) { $0 + $1.json.utf8.count }
        if openChunkBytes >= chunkBytes {
            chunkEnds.append(entries.count)
            openChunkBytes = 0
        }
    }

    /// Whether any entry follows `offset`. (A waiting poll asks this rather
    /// than holding a slice: a slice kept across the wait would pin the log's
    /// buffer and make every append copy it.)
    func hasEntries(after offset: Offset) -> Bool {
        (entries.last?.offset).map { $0 > offset } ?? false
    }

    /// Entries after `offset` up to the end of their chunk, and whether they
    /// reach the end of the log.
    func read(after offset: Offset) -> (entries: ArraySlice<Entry>, reachesEnd: Bool) {
        let start = firstIndex(after: offset)
        guard start < entries.count else { return (entries[entries.count...], true) }
        let end = chunkEnds.first { $0 > start } ?? entries.count
        return (entries[start..<end], end == entries.count)
    }

    /// Binary search for the first entry strictly after `offset`.
    private func firstIndex(after offset: Offset) -> Int {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].offset <= offset { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
