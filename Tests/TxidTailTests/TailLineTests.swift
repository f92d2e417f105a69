import Foundation
import QACtlSync
import Testing
import TxidTail

/// The text and JSON forms of every line.
struct TailLineTests {
    private let shapeLine = TransactionLine(
        source: .shape, txid: 752, txids: [752], offset: "41_2", lsn: 41, inserts: 2, updates: 0, deletes: 0,
        tables: ["messages"], keys: ["q-1", "a-1"])
    private let postgresLine = TransactionLine(
        source: .postgres, txid: 751, lsn: 0x1_0000_0010, inserts: 1, updates: 2, deletes: 3,
        tables: ["items", "app.pairs"], keys: ["items:i-1", "app.pairs:(1,2)"], delayMilliseconds: 12)

    @Test func shapeTransactionText() {
        #expect(shapeLine.text(color: false) == "txid 752  offset 41_2  insert 2  update 0  delete 0  keys q-1, a-1")
    }

    @Test func shapeTransactionJSONHasANullDelay() {
        #expect(shapeLine.json == #"{"type":"transaction","source":"shape","txid":752,"txids":[752],"offset":"41_2","lsn":41,"insert":2,"update":0,"delete":0,"tables":["messages"],"keys":["q-1","a-1"],"delayMs":null}"#)
    }

    @Test func postgresTransactionTextAndJSON() {
        #expect(postgresLine.text(color: false)
            == "xid 751  lsn 4294967312 (1/10)  insert 1  update 2  delete 3  tables items, app.pairs  keys items:i-1, app.pairs:(1,2)  delay 12ms")
        #expect(postgresLine.json == #"{"type":"transaction","source":"postgres","txid":751,"lsn":4294967312,"pgLSN":"1/10","insert":1,"update":2,"delete":3,"tables":["items","app.pairs"],"keys":["items:i-1","app.pairs:(1,2)"],"delayMs":12}"#)
    }

    @Test func colourWrapsOnlyWhenAsked() {
        let coloured = shapeLine.text(color: true)
        #expect(coloured.contains("\u{1B}[1m752\u{1B}[0m"))
        #expect(coloured.contains("\u{1B}[32m2\u{1B}[0m"), "a non-zero insert count is green")
        let plain = coloured.replacing(/\x{1B}\[\d+m/, with: "")
        #expect(plain == shapeLine.text(color: false))
    }

    @Test func longKeyListsAreCutInTextButNotInJSON() {
        var line = shapeLine
        line.keys = (1...25).map { "k-\($0)" }
        #expect(line.text(color: false).hasSuffix("k-10, … (15 more)"))
        #expect(line.json.contains(#""k-25""#))
    }

    @Test func jsonEscapesEveryControlCharacter() throws {
        var line = shapeLine
        line.keys = ["quote\"back\\slash\nnew\u{01}line"]
        let object = try JSONSerialization.jsonObject(with: Data(line.json.utf8)) as? [String: Any]
        #expect(object?["keys"] as? [String] == line.keys)
    }

    @Test func delayTextStaysShort() {
        let cases: [(Int64, String)] = [(0, "0ms"), (999, "999ms"), (1_234, "1.2s"), (59_999, "59.9s"), (125_000, "2m05s"), (-40, "-40ms")]
        for (milliseconds, text) in cases {
            var line = postgresLine
            line.delayMilliseconds = milliseconds
            #expect(line.text(color: false).hasSuffix("delay " + text))
        }
    }

    @Test func snapshotSummary() {
        let line = SnapshotLine(rows: 3, tables: ["conversations"], keys: ["c-1", "c-2", "c-3"], bounds: SnapshotBounds(xmin: 55, xmax: 57, inProgress: [56]))
        #expect(line.text(color: false) == "snapshot  3 rows  xmin 55  xmax 57  in progress 56  keys c-1, c-2, c-3")
        #expect(line.json == #"{"type":"snapshot","source":"shape","rows":3,"tables":["conversations"],"keys":["c-1","c-2","c-3"],"xmin":55,"xmax":57,"xip":[56]}"#)
    }

    @Test func readyAwaitedAndTruncate() {
        let ready = ReadyLine.postgres(database: "postgres://app:***@db/app", slot: "qactl_tail_1", publication: "qactl_tail_1", lsn: 0x1713C48)
        #expect(ready.json == #"{"type":"ready","source":"postgres","database":"postgres://app:***@db/app","slot":"qactl_tail_1","publication":"qactl_tail_1","lsn":24198216,"pgLSN":"0/1713C48"}"#)
        #expect(ReadyLine.shape(shape: "conversations", server: "http://s", offset: "0_inf").text(color: false) == "following conversations at http://s from offset 0_inf")
        #expect(AwaitedLine(txid: 9, evidence: .snapshot).text(color: false) == "awaited txid 9: already visible in the shape's snapshot")
        #expect(AwaitedLine(txid: 9, evidence: .committed).json == #"{"type":"awaited","txid":9,"seen":"committed"}"#)
        #expect(TruncateLine(tables: ["notes"], lsn: 16).text(color: false) == "truncate  lsn 16 (0/10)  tables notes")
    }

    @Test func errorsCarryTheirExitStatus() {
        #expect(TailError(.usage, "").exitStatus.rawValue == 2)
        #expect(TailError(.refused, "").exitStatus.rawValue == 3)
        #expect(TailError(.timedOut, "").exitStatus.rawValue == 4)
        #expect(TailError(.rolledBack, "").exitStatus.rawValue == 1)
        #expect(TailError(.timedOut, "txid 3 not seen").description == "timed_out: txid 3 not seen")
    }
}
