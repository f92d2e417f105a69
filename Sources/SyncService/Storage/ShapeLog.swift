import ShapeWire

/// A shape's log of change messages after its snapshot, cut into chunks so that
/// each `(handle, offset)` maps to a stable, cacheable response.
///
/// The newest entries live in memory (the tail); with a ``ShapeStorage`` the
/// tail is written out as a block once it holds `tailBytes`, so a shape's
/// memory stays bounded however long its history. Without one, everything
/// stays in memory.
struct ShapeLog {
    struct Entry: Sendable {
        let offset: Offset
        let json: String
    }

    /// Entries not yet in storage, oldest first (whole transactions).
    private var tail: [Entry] = []
    private var tailBytes = 0
    /// What storage holds, in offset order.
    private var blocks: [ShapeStorageBlock] = []
    /// Offsets of the last entries of closed chunks.
    private var chunkEnds: [Offset] = []
    private var openChunkBytes = 0
    let chunkBytes: Int
    let storage: (any ShapeStorage)?
    /// The tail is written out beyond this many bytes of JSON.
    let tailLimit: Int
    private(set) var count = 0
    private(set) var bytes = 0

    init(chunkBytes: Int, storage: (any ShapeStorage)? = nil, tailLimit: Int = 64 << 10) {
        self.chunkBytes = chunkBytes
        self.storage = storage
        self.tailLimit = tailLimit
    }

    /// Indexes what `storage` kept from before a restart.
    mutating func restore() throws {
        guard let storage else { return }
        var transaction: UInt64?
        var transactionBytes = 0
        var previous: Offset?
        let loaded = try storage.load { offset, length in
            if let open = transaction, open != offset.tx, let end = previous {
                closeChunkIfFull(after: transactionBytes, lastOffset: end)
                transactionBytes = 0
            }
            transaction = offset.tx
            transactionBytes += length
            previous = offset
            count += 1
            bytes += length
        }
        if let end = previous { closeChunkIfFull(after: transactionBytes, lastOffset: end) }
        blocks = loaded
    }

    /// The offset of the newest entry, or nil when the log is empty.
    var lastOffset: Offset? { tail.last?.offset ?? blocks.last?.last }

    /// Appends one transaction's entries; a chunk closes only between
    /// transactions. Writes the tail out once it is over its bound.
    mutating func append(transaction: [Entry]) throws {
        guard let last = transaction.last else { return }
        let size = transaction.reduce(0) { $0 + $1.json.utf8.count }
        tail.append(contentsOf: transaction)
        tailBytes += size
        count += transaction.count
        bytes += size
        closeChunkIfFull(after: size, lastOffset: last.offset)
        if tailBytes >= tailLimit { try flush() }
    }

    private mutating func closeChunkIfFull(after size: Int, lastOffset: Offset) {
        openChunkBytes += size
        if openChunkBytes >= chunkBytes {
            chunkEnds.append(lastOffset)
            openChunkBytes = 0
        }
    }

    /// Writes the tail to storage (if any), emptying it.
    mutating func flush() throws {
        guard let storage, !tail.isEmpty else { return }
        blocks.append(try storage.append(tail))
        tail.removeAll(keepingCapacity: false)
        tailBytes = 0
    }

    /// Whether any entry follows `offset`.
    func hasEntries(after offset: Offset) -> Bool {
        lastOffset.map { $0 > offset } ?? false
    }

    /// What reading after `offset` takes: the stored blocks it touches and
    /// the tail entries it returns. It can run anywhere, so a read from disk
    /// need not hold up whoever owns the log.
    func plan(after offset: Offset) -> ShapeLogRead {
        let end = chunkEnds.first { $0 > offset }
        var stored: [ShapeStorageBlock] = []
        if storage != nil, let last = blocks.last?.last, last > offset {
            var index = blocks.firstIndex(after: offset, by: \.last)
            while index < blocks.count, end.map({ blocks[index].first <= $0 }) ?? true {
                stored.append(blocks[index])
                index += 1
            }
        }
        var fromTail: [Entry] = []
        for entry in tail[tail.firstIndex(after: offset, by: \.offset)...] {
            if let end, entry.offset > end { break }
            fromTail.append(entry)
        }
        return ShapeLogRead(
            after: offset, end: end, reachesEnd: end == nil || end == lastOffset, logEnd: lastOffset ?? .snapshotEnd, blocks: stored,
            reader: stored.isEmpty ? nil : storage?.reader(), tail: fromTail)
    }

    /// The newest `limit` entries (for the inspector).
    func newest(_ limit: Int) throws -> [Entry] {
        var entries = Array(tail.suffix(limit))
        guard let read = storage?.reader() else { return entries }
        var index = blocks.count - 1
        while entries.count < limit, index >= 0 {
            entries = try read(blocks[index]).suffix(limit - entries.count) + entries
            index -= 1
        }
        return entries
    }
}

extension Array {
    /// Binary search in an array sorted by `offset`: the index of the first
    /// element whose offset is after `target` (`count` when there is none).
    func firstIndex(after target: Offset, by offset: (Element) -> Offset) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if offset(self[middle]) <= target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// One read of a ``ShapeLog``, planned where the log lives and run anywhere.
struct ShapeLogRead: Sendable {
    let after: Offset
    /// The last offset of the chunk the read stays in, if it is closed.
    let end: Offset?
    let reachesEnd: Bool
    /// The log's last offset when the read was planned.
    let logEnd: Offset
    let blocks: [ShapeStorageBlock]
    let reader: ShapeBlockReader?
    let tail: [ShapeLog.Entry]

    /// Whether running it reads from storage (worth doing off the actor).
    var readsStorage: Bool { reader != nil }

    func run() throws -> ShapeLogSlice {
        var entries: [ShapeLog.Entry] = []
        if let reader {
            for block in blocks {
                entries += try reader(block).filter { entry in entry.offset > after && end.map { entry.offset <= $0 } ?? true }
            }
        }
        return ShapeLogSlice(entries: entries + tail, reachesEnd: reachesEnd, logEnd: logEnd)
    }
}

/// What one read of a ``ShapeLog`` returned. Everything in it is as the log
/// stood when the read was planned: the feed may append right after, and an
/// answer must not claim more than it read.
struct ShapeLogSlice: Sendable {
    let entries: [ShapeLog.Entry]
    let reachesEnd: Bool
    /// The log's last offset then (the snapshot's end when it was empty).
    let logEnd: Offset
}
