import CZlib
import Foundation
import ShapeWire
#if canImport(Glibc)
import Glibc

private func openFile(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Glibc.open(path, flags, mode) }
private func syncData(_ descriptor: Int32) -> Int32 { fdatasync(descriptor) }
#elseif canImport(Darwin)
import Darwin

private func openFile(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Darwin.open(path, flags, mode) }
private func syncData(_ descriptor: Int32) -> Int32 { fsync(descriptor) }
#endif

/// A shape's log on disk: one append-only file of blocks under the sync
/// service's shape directory. The file is opened per operation, so ten
/// thousand shapes cost no descriptors while idle.
///
/// A block is a 20-byte header (magic, entry count, stored length, raw
/// length, FNV-1a of the three sizes and the stored bytes) followed by its
/// entries compressed with zlib (JSON of one shape repeats itself: about a
/// ninth of the size).
/// Raw, each entry is its offset as two little-endian 64-bit integers, the
/// JSON's length and the JSON. A crash can leave the last block torn;
/// ``load(visit:)`` cuts it off, and the service replays what it held from
/// the change log.
final class ShapeLogFile: ShapeStorage {
    let path: String
    private var size: Int64 = 0
    private var unsynced = false
    private static let magic: UInt32 = 0x5153_5A31  // "QSZ1"
    private static let headerLength = 20

    init(path: String) {
        self.path = path
    }

    func append(_ entries: [ShapeLog.Entry]) throws -> ShapeStorageBlock {
        precondition(!entries.isEmpty, "a block holds at least one entry")
        var raw: [UInt8] = []
        raw.reserveCapacity(entries.reduce(0) { $0 + 20 + $1.json.utf8.count })
        for entry in entries {
            Self.put(entry.offset.tx, into: &raw)
            Self.put(UInt64(bitPattern: entry.offset.op), into: &raw)
            Self.put(UInt32(entry.json.utf8.count), into: &raw)
            raw.append(contentsOf: entry.json.utf8)
        }
        let stored = try Self.compress(raw)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerLength + stored.count)
        Self.put(Self.magic, into: &bytes)
        Self.put(UInt32(entries.count), into: &bytes)
        Self.put(UInt32(stored.count), into: &bytes)
        Self.put(UInt32(raw.count), into: &bytes)
        Self.put(Self.checksum(bytes[4..<16], stored[...]), into: &bytes)
        bytes.append(contentsOf: stored)

        // Never O_CREAT: a file deleted under a live shape is an error, not a new log with a hole.
        let descriptor = try open(flags: O_WRONLY)
        defer { close(descriptor) }
        try bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let result = pwrite(descriptor, buffer.baseAddress! + written, buffer.count - written, off_t(size) + off_t(written))
                if result < 0 {
                    if errno == EINTR { continue }
                    throw ShapeStorageError("writing \(path) failed: \(String(cString: strerror(errno)))")
                }
                written += result
            }
        }
        let block = ShapeStorageBlock(
            first: entries[0].offset, last: entries[entries.count - 1].offset, position: size, length: bytes.count, count: entries.count)
        size += Int64(bytes.count)
        unsynced = true
        return block
    }

    func reader() -> ShapeBlockReader {
        { [path] block in try Self.read(block, path: path) }
    }

    /// Only the path is needed: blocks once written never change.
    private static func read(_ block: ShapeStorageBlock, path: String) throws -> [ShapeLog.Entry] {
        let bytes = try readBytes(path, at: block.position, count: block.length)
        guard let entries = decode(bytes[...], visit: { _, _ in }) else {
            throw ShapeStorageError("\(path) is damaged at byte \(block.position)")
        }
        return entries
    }

    func takeSync() -> (@Sendable () throws -> Void)? {
        guard unsynced else { return nil }
        unsynced = false
        let path = self.path
        return {
            let descriptor = openFile(path, O_WRONLY | O_CLOEXEC, 0)
            guard descriptor >= 0 else { throw ShapeStorageError("opening \(path) failed: \(String(cString: strerror(errno)))") }
            defer { close(descriptor) }
            guard syncData(descriptor) == 0 else { throw ShapeStorageError("syncing \(path) failed: \(String(cString: strerror(errno)))") }
        }
    }

    func create() throws {
        close(try open(flags: O_WRONLY | O_CREAT))
        unsynced = true
    }

    func load(visit: (Offset, Int) -> Void) throws -> [ShapeStorageBlock] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ShapeStorageError("\(path) is missing") }
        let bytes = [UInt8](data)
        var blocks: [ShapeStorageBlock] = []
        var position = 0
        while position + Self.headerLength <= bytes.count {
            let hasMagic = Self.get(UInt32.self, bytes, at: position) == Self.magic
            let length = Self.headerLength + Int(Self.get(UInt32.self, bytes, at: position + 8))
            guard hasMagic, position + length <= bytes.count, let entries = Self.decode(bytes[position..<position + length], visit: visit)
            else {
                // Only the last block can be torn by a crash; a bad one with
                // whole blocks after it is damage, and the log has a hole.
                if hasMagic, position + length < bytes.count {
                    throw ShapeStorageError("\(path) is damaged at byte \(position)")
                }
                break
            }
            blocks.append(ShapeStorageBlock(
                first: entries[0].offset, last: entries[entries.count - 1].offset, position: Int64(position), length: length, count: entries.count))
            position += length
        }
        if position < bytes.count {
            // A torn or damaged end: cut it off, the change log still holds it.
            guard truncate(path, off_t(position)) == 0 else {
                throw ShapeStorageError("cutting the torn end off \(path) failed: \(String(cString: strerror(errno)))")
            }
        }
        size = Int64(position)
        return blocks
    }

    func remove() {
        unlink(path)
        size = 0
        unsynced = false
    }

    // MARK: - Bytes

    /// The entries of one block (header included), or nil if it is not whole.
    /// `visit` sees each entry's offset and JSON length, once the block checked out.
    private static func decode(_ bytes: ArraySlice<UInt8>, visit: (Offset, Int) -> Void) -> [ShapeLog.Entry]? {
        let start = bytes.startIndex
        guard bytes.count >= headerLength, get(UInt32.self, bytes, at: start) == magic else { return nil }
        let count = Int(get(UInt32.self, bytes, at: start + 4))
        let storedLength = Int(get(UInt32.self, bytes, at: start + 8))
        let rawLength = Int(get(UInt32.self, bytes, at: start + 12))
        let stored = bytes[(start + headerLength)...]
        // The header is under the checksum too, and the sizes are checked
        // before anything is allocated for them: a flipped bit is damage, not a 4 GB buffer.
        guard count > 0, stored.count == storedLength, checksum(bytes[(start + 4)..<(start + 16)], stored) == get(UInt32.self, bytes, at: start + 16),
            rawLength <= storedLength * 1100 + 64, count <= rawLength / 20,
            let raw = uncompress(stored, rawLength: rawLength)
        else { return nil }
        var entries: [ShapeLog.Entry] = []
        entries.reserveCapacity(count)
        var position = 0
        while position < raw.count {
            guard position + 20 <= raw.count else { return nil }
            let tx = get(UInt64.self, raw, at: position)
            let op = Int64(bitPattern: get(UInt64.self, raw, at: position + 8))
            let length = Int(get(UInt32.self, raw, at: position + 16))
            position += 20
            guard position + length <= raw.count else { return nil }
            entries.append(ShapeLog.Entry(offset: Offset(tx: tx, op: op), json: String(decoding: raw[position..<position + length], as: UTF8.self)))
            position += length
        }
        guard entries.count == count else { return nil }
        for entry in entries { visit(entry.offset, entry.json.utf8.count) }
        return entries
    }

    private static func compress(_ raw: [UInt8]) throws -> [UInt8] {
        var stored = [UInt8](repeating: 0, count: Int(compressBound(uLong(raw.count))))
        var storedLength = uLongf(stored.count)
        // Level 1: most of the saving for a fraction of the time.
        let status = raw.withUnsafeBufferPointer { source in
            stored.withUnsafeMutableBufferPointer { target in
                compress2(target.baseAddress, &storedLength, source.baseAddress, uLong(raw.count), 1)
            }
        }
        guard status == Z_OK else { throw ShapeStorageError("compressing a log block failed (zlib status \(status))") }
        stored.removeLast(stored.count - Int(storedLength))
        return stored
    }

    private static func uncompress(_ stored: ArraySlice<UInt8>, rawLength: Int) -> [UInt8]? {
        var raw = [UInt8](repeating: 0, count: rawLength)
        var length = uLongf(rawLength)
        let status = stored.withUnsafeBufferPointer { source in
            raw.withUnsafeMutableBufferPointer { target in
                CZlib.uncompress(target.baseAddress, &length, source.baseAddress, uLong(stored.count))
            }
        }
        return status == Z_OK && Int(length) == rawLength ? raw : nil
    }

    private static func readBytes(_ path: String, at position: Int64, count: Int) throws -> [UInt8] {
        let descriptor = openFile(path, O_RDONLY | O_CLOEXEC, 0)
        guard descriptor >= 0 else { throw ShapeStorageError("opening \(path) failed: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        try bytes.withUnsafeMutableBytes { buffer in
            while done < count {
                let result = pread(descriptor, buffer.baseAddress! + done, count - done, off_t(position) + off_t(done))
                if result < 0 {
                    if errno == EINTR { continue }
                    throw ShapeStorageError("reading \(path) failed: \(String(cString: strerror(errno)))")
                }
                guard result > 0 else { throw ShapeStorageError("\(path) ends before byte \(position + Int64(count))") }
                done += result
            }
        }
        return bytes
    }

    private func open(flags: Int32) throws -> Int32 {
        let descriptor = openFile(path, flags | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw ShapeStorageError("opening \(path) failed: \(String(cString: strerror(errno)))") }
        return descriptor
    }

    private static func put<T: FixedWidthInteger>(_ value: T, into bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func get<T: FixedWidthInteger, C: RandomAccessCollection<UInt8>>(_: T.Type, _ bytes: C, at index: C.Index) -> T {
        var value: T = 0
        var shift: T = 0
        var position = index
        for _ in 0..<MemoryLayout<T>.size {
            value |= T(bytes[position]) << shift
            shift += 8
            position = bytes.index(after: position)
        }
        return value
    }

    /// FNV-1a over the header's sizes and the stored bytes.
    private static func checksum(_ header: ArraySlice<UInt8>, _ stored: ArraySlice<UInt8>) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in header { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        for byte in stored { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return hash
    }
}

struct ShapeStorageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
