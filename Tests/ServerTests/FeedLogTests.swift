import Foundation
import SQLiteStore
import SyncModel
import Testing
import QACtlTestSupport

/// The replication log hands the sync service what it just stored from memory;
/// every answer must be what reading the file gives, whatever position is asked.
struct FeedLogTests {
    let dir = TemporaryDirectory()

    static func transaction(_ n: Int, changes: Int) -> CommittedTransaction {
        var rows: [RowChange] = []
        for index in 0..<changes {
            let id = "m-\(n)-\(index)"
            let updated = index % 3 == 2
            let old: [String: String?]? = updated ? ["id": id, "content": "before"] : nil
            var new: [String: String?] = ["id": id, "content": "text \(n)/\(index) \u{1F600} \"quoted\""]
            new["note"] = .some(nil)
            rows.append(RowChange(table: "messages", operation: updated ? .update : .insert, old: old, new: new,
                                  opPosition: Int64(index * 2), sequence: 0))
        }
        return CommittedTransaction(txid: UInt64(1_000 + n), lsn: UInt64(100 * n), committedAtMilliseconds: 1_764_000_000_000 + Int64(n), changes: rows)
    }

    static func summary(_ transactions: [CommittedTransaction]) -> [String] {
        transactions.map { transaction in
            "\(transaction.txid)@\(transaction.lsn)/\(transaction.committedAtMilliseconds ?? -1): "
                + transaction.changes.map { change in
                    let rows = [change.old, change.new].map { row in
                        row.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value ?? "NULL")" }.joined(separator: ",") } ?? "-"
                    }
                    return "\(change.sequence) \(change.table) \(change.operation.rawValue) #\(change.opPosition) \(rows[0]) -> \(rows[1])"
                }.joined(separator: "; ")
        }
    }

    @Test func whatWasJustStoredReadsTheSameFromMemoryAsFromTheFile() async throws {
        let path = dir.path + "/feed.sqlite"
        let log = try FeedLog(path: path)
        // Batches as the pump writes them: one, several, one bigger than the read limit, and a replay.
        var next = 1
        for sizes in [[2], [1, 3, 2], [9], [2, 2]] {
            let batch = sizes.map { size in defer { next += 1 }; return Self.transaction(next, changes: size) }
            #expect(try await log.append(contentsOf: batch) == batch.count)
        }
        #expect(try await log.append(contentsOf: [Self.transaction(3, changes: 3)]) == 0, "a replayed transaction is stored once")

        // The same file, read by an instance that holds nothing in memory.
        let file = try FeedLog(path: path)
        let last = try await file.lastSequence()
        #expect(last == 21)
        // Read as the sync service reads: from a position, again and again until nothing is new.
        func drain(_ log: FeedLog, after position: Int64, limit: Int) async throws -> [CommittedTransaction] {
            var all: [CommittedTransaction] = [], position = position
            while true {
                let read = try await log.transactions(afterSequence: position, limit: limit)
                guard let end = read.last?.changes.last?.sequence else { return all }
                #expect(read.count == 1 || read.reduce(0) { $0 + $1.changes.count } <= limit, "only a lone transaction may pass the limit")
                all += read
                position = end
            }
        }
        for position in 0...last {
            for limit in [1, 4, 5000] {
                let fromMemory = try await drain(log, after: position, limit: limit)
                let fromFile = try await drain(file, after: position, limit: limit)
                #expect(Self.summary(fromMemory) == Self.summary(fromFile), "after \(position), limit \(limit)")
            }
        }
        // Appended after, read by both.
        try await log.append(contentsOf: [Self.transaction(next, changes: 1)])
        let after = try await log.transactions(afterSequence: last, limit: 5000)
        #expect(Self.summary(after) == Self.summary(try await file.transactions(afterSequence: last, limit: 5000)))
        #expect(after.map(\.txid) == [UInt64(1_000 + next)])
        #expect(try await log.transactions(afterSequence: last + 1, limit: 5000).isEmpty)
    }
}
