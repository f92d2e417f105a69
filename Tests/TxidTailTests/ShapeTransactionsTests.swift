import ShapeWire
import QACtlSync
import Testing
import TxidTail

/// Splitting shape batches into a snapshot summary and transaction lines.
struct ShapeTransactionsTests {
    private static let schema = #"{"id":{"type":"text","pk_index":0},"conversation_id":{"type":"text"},"content":{"type":"text"}}"#

    private func change(_ id: String, _ operation: ChangeMessage.Operation, txid: UInt64? = nil, lsn: String? = nil, op: Int64? = nil) -> ChangeMessage {
        ChangeMessage(
            key: #""public"."messages"/"\#(id)""#, operation: operation, value: ["id": id, "content": "x"],
            txids: txid.map { [$0] } ?? [], lsn: lsn, opPosition: op, relation: ["public", "messages"])
    }

    private func batch(_ changes: [ChangeMessage], replaces: Bool = false, snapshots: [SnapshotBounds] = [], schema: String? = schema) -> ShapeBatch {
        ShapeBatch(
            changes: changes, replacesRows: replaces, txids: Set(changes.flatMap(\.txids)), snapshots: snapshots,
            globalLastSeenLSN: nil, position: ShapePosition(handle: "h", offset: Offset(tx: 9, op: 0), schema: schema))
    }

    @Test func groupsConsecutiveChangesOfOneTransaction() {
        let split = ShapeTransactions(batch([
            change("q-1", .insert, txid: 7, lsn: "40", op: 0),
            change("a-1", .insert, txid: 7, lsn: "40", op: 2),
            change("a-1", .update, txid: 8, lsn: "41", op: 0),
            change("a-1", .update, txid: 8, lsn: "41", op: 2),
            change("q-1", .delete, txid: 9, lsn: "42", op: 0),
        ]), table: "messages")
        #expect(split.snapshot == nil)
        #expect(split.transactions == [
            TransactionLine(source: .shape, txid: 7, txids: [7], offset: "40_2", lsn: 40, inserts: 2, updates: 0, deletes: 0, tables: ["messages"], keys: ["q-1", "a-1"]),
            TransactionLine(source: .shape, txid: 8, txids: [8], offset: "41_2", lsn: 41, inserts: 0, updates: 2, deletes: 0, tables: ["messages"], keys: ["a-1"]),
            TransactionLine(source: .shape, txid: 9, txids: [9], offset: "42_0", lsn: 42, inserts: 0, updates: 0, deletes: 1, tables: ["messages"], keys: ["q-1"]),
        ])
    }

    @Test func snapshotRowsBecomeOneSummaryAndCatchUpStaysTransactions() {
        let bounds = SnapshotBounds(xmin: 7, xmax: 7)
        let split = ShapeTransactions(batch([
            change("m-1", .insert), change("m-2", .insert),
            change("m-3", .insert, txid: 7, lsn: "50", op: 0),
        ], replaces: true, snapshots: [bounds]), table: "messages")
        #expect(split.snapshot == SnapshotLine(rows: 2, tables: ["messages"], keys: ["m-1", "m-2"], bounds: bounds))
        #expect(split.transactions.map(\.txid) == [7])
    }

    @Test func anEmptySnapshotStillGetsASummary() {
        let split = ShapeTransactions(batch([], replaces: true, snapshots: [SnapshotBounds(xmin: 3, xmax: 3)]), table: "conversations")
        #expect(split.snapshot?.rows == 0)
        #expect(split.transactions.isEmpty)
    }

    @Test func keysComeFromTheSchemaElseTheRowKey() {
        let composite = #"{"b":{"type":"int4","pk_index":1},"a":{"type":"int4","pk_index":0}}"#
        let pair = ChangeMessage(key: #""public"."p"/"1"/"2""#, operation: .insert, value: ["a": "1", "b": "2"], txids: [1], lsn: "1", opPosition: 0)
        #expect(ShapeKeys(schema: composite).key(for: pair) == "1/2")
        #expect(ShapeKeys(schema: composite).columns == ["a", "b"])
        #expect(ShapeKeys(schema: nil).key(for: pair) == #""public"."p"/"1"/"2""#)
        #expect(ShapeKeys(schema: "not json").columns.isEmpty)
        let partial = ChangeMessage(key: "raw", operation: .delete, value: ["a": "1"], txids: [1], lsn: "1", opPosition: 0)
        #expect(ShapeKeys(schema: composite).key(for: partial) == "raw")
    }
}
