import Foundation
import SyncModel
import Testing
import ChangeFeed
@testable import TxidTail

/// Keys and lines of PostgreSQL changes, and the 32-bit xid arithmetic.
struct RowKeysTests {
    private let keys = RowKeys(primaryKeys: ["items": ["id"], "app.pairs": ["a", "b"]])

    private func change(_ table: String, _ operation: RowChange.Operation, old: [String: String?]? = nil, new: [String: String?]? = nil) -> RowChange {
        RowChange(table: table, operation: operation, old: old, new: new, opPosition: 0, sequence: 1)
    }

    @Test func primaryKeyThenIdThenIdentity() {
        #expect(keys.key(for: change("items", .insert, new: ["id": "i-1", "n": "1"])) == "items:i-1")
        #expect(keys.key(for: change("app.pairs", .delete, old: ["a": "1", "b": "2"])) == "app.pairs:(1,2)")
        #expect(keys.key(for: change("notes", .insert, new: ["id": "n-1", "body": "b"])) == "notes:n-1")
        #expect(keys.key(for: change("logs", .delete, old: ["msg": "hi", "at": nil])) == "logs:(at=NULL, msg=hi)")
        let long = String(repeating: "x", count: 100)
        #expect(keys.key(for: change("logs", .insert, new: ["msg": long])) == "logs:(msg=" + String(repeating: "x", count: 39) + "…)")
    }

    @Test func updatesShowAChangedKey() {
        #expect(keys.key(for: change("items", .update, new: ["id": "i-1", "n": "2"])) == "items:i-1")
        #expect(keys.key(for: change("items", .update, old: ["id": "i-1", "n": "1"], new: ["id": "i-1", "n": "2"])) == "items:i-1")
        #expect(keys.key(for: change("items", .update, old: ["id": "i-2"], new: ["id": "i-9", "n": "2"])) == "items:i-2→i-9")
    }

    @Test func lineFromACommittedTransaction() {
        let committed = Date(timeIntervalSince1970: 1_000)
        let transaction = CommittedTransaction(
            txid: 751, lsn: 0x1713C48, committedAtMilliseconds: 1_000_000,
            changes: [
                change("items", .insert, new: ["id": "i-1"]), change("items", .update, new: ["id": "i-1"]),
                change("app.pairs", .delete, old: ["a": "1", "b": "2"]),
            ])
        let line = TransactionLine(transaction, keys: keys, now: committed.addingTimeInterval(0.25))
        #expect(line == TransactionLine(
            source: .postgres, txid: 751, lsn: 0x1713C48, inserts: 1, updates: 1, deletes: 1, tables: ["items", "app.pairs"],
            keys: ["items:i-1", "app.pairs:(1,2)"], delayMilliseconds: 250))
        let unknown = CommittedTransaction(txid: 1, lsn: 1, committedAtMilliseconds: nil, changes: [])
        #expect(TransactionLine(unknown, keys: keys).delayMilliseconds == nil)
    }

    @Test func xidsWidenIntoTheEpochBeforeTheNextXid() {
        #expect(PostgresCatalog.fullXid(100, next: 105) == 100)
        #expect(PostgresCatalog.fullXid(105, next: 105) == nil, "the next xid is not assigned yet")
        #expect(PostgresCatalog.fullXid(106, next: 105) == nil)
        let epoch: UInt64 = 3 << 32
        #expect(PostgresCatalog.fullXid(UInt32.max - 1, next: epoch + 5) == epoch - 2, "just before the wraparound")
        #expect(PostgresCatalog.fullXid(10, next: epoch + 20) == epoch + 10)
        #expect(PostgresCatalog.fullXid(3, next: 2) == nil)
    }

    @Test func namesAndRedaction() {
        let made = Date(timeIntervalSince1970: 1_796_000_000)
        let name = ReplicationTail.uniqueName(now: made)
        #expect(name.wholeMatch(of: /qactl_tail_1796000000_[0-9a-f]{8}/) != nil, "\(name)")
        #expect(ReplicationTail.creationTime(ofName: name) == made)
        for other in ["qactl_tail_0123456789ab", "qactl_tail_1796000000_DEADBEEF", "qactl_tail_1796000000_beef", "qactl_1796000000_deadbeef", "qactl"] {
            #expect(ReplicationTail.creationTime(ofName: other) == nil, "\(other)")
        }
        #expect(DatabaseURL.redacted("postgres://app:secret@db:5432/app?sslmode=disable&password=x") == "postgres://app:***@db:5432/app?sslmode=disable&password=***")
        #expect(DatabaseURL.redacted("postgres://app@db/app") == "postgres://app@db/app")
    }
}
