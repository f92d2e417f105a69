import Foundation
import Testing
@testable import QACtlSync
import QACtlTestSupport

/// Every message form Electric (and qactl) is known to send.
struct WireDecodingTests {
    @Test func changeMessagesKeepTextNullsOldValuesAndHeaders() throws {
        let body = """
            [{"key":"\\"public\\".\\"messages\\"/\\"m-1\\"","value":{"id":"m-1","done":"t","archived":"false","note":null},
              "old_value":{"done":"f"},
              "headers":{"operation":"update","relation":["public","messages"],"lsn":"23806000","op_position":2,"txids":[751],"last":true}},
             {"key":"k2","value":{"id":"m-2","count":5,"flag":true,"doc":{"a":[1,2]}},"headers":{"operation":"insert","txids":["752"],"op_position":"4","last":"t"}},
             {"headers":{"control":"snapshot-end","xmin":"100","xmax":"105","xip_list":["101",103]}},
             {"headers":{"control":"some-future-control","x":1}},
             {"headers":{"event":"move-out","patterns":[]}},
             {"headers":{"control":"up-to-date","global_last_seen_lsn":"23806000"}}]
            """
        let messages = try IncomingMessage.decodeBody(Data(body.utf8))
        #expect(messages.count == 6)
        guard case .change(let update) = messages[0], case .change(let insert) = messages[1] else {
            Issue.record("expected two changes")
            return
        }
        #expect(update.key == "\"public\".\"messages\"/\"m-1\"")
        #expect(update.operation == .update)
        #expect(update.value.bool("done") == true)
        #expect(update.value.bool("archived") == false)
        #expect(update.value.isNull("note"))
        #expect(update.value.has("note") && !update.value.has("missing"))
        #expect(update.oldValue?["done"] == "f")
        #expect(update.txids == [751] && update.lsn == "23806000" && update.opPosition == 2 && update.isLast)
        #expect(update.relation == ["public", "messages"])
        #expect(insert.value["count"] == "5" && insert.value.bool("flag") == true)
        #expect(insert.value["doc"] == #"{"a":[1,2]}"#)
        #expect(insert.txids == [752] && insert.opPosition == 4 && insert.isLast)
        #expect(messages[2] == .snapshotEnd(SnapshotBounds(xmin: 100, xmax: 105, inProgress: [101, 103])))
        #expect(messages[3] == .ignored("control some-future-control"))
        #expect(messages[4] == .ignored("event move-out"))
        #expect(messages[5] == .upToDate(globalLastSeenLSN: "23806000"))
    }

    @Test func snapshotRowsAndEmptyBodiesDecode() throws {
        let body = #"[{"key":"k","value":{"id":"1"},"headers":{"operation":"insert","relation":["public","t"]}}]"#
        guard case .change(let row) = try IncomingMessage.decodeBody(Data(body.utf8)).first else {
            Issue.record("expected a change")
            return
        }
        #expect(row.txids.isEmpty && row.lsn == nil && !row.isLast)
        #expect(try IncomingMessage.decodeBody(Data()).isEmpty)
        #expect(try IncomingMessage.decodeBody(Data("[]".utf8)).isEmpty)
    }

    @Test func malformedBodiesAreTypedErrors() {
        for body in [#"{"not":"an array"}"#, #"[{"key":"k","value":{},"headers":{"operation":"upsert"}}]"#, "[1,2"] {
            #expect(throws: ShapeStreamError.self) { try IncomingMessage.decodeBody(Data(body.utf8)) }
        }
    }

    @Test func timestampsParseInEveryPostgresSpelling() throws {
        let row: Row = ["a": "2026-11-29 10:00:00.123456+00", "b": "2026-11-29 12:00:00+02", "c": "2026-11-29T10:00:00Z", "d": "nope"]
        let a = try #require(row.date("a"))
        #expect(abs(a.timeIntervalSince1970 - 1_795_946_400.123456) < 0.000_01)
        #expect(row.date("b") == row.date("c"))
        #expect(row.date("d") == nil)
    }
}

/// Which txids a snapshot already contains, with 32-bit xids against 64-bit bounds.
struct SnapshotBoundsTests {
    @Test func visibilityFollowsXminXmaxAndTheInProgressList() {
        let bounds = SnapshotBounds(xmin: 100, xmax: 105, inProgress: [101, 103])
        #expect(bounds.isVisible(99))
        #expect(!bounds.isVisible(101))
        #expect(bounds.isVisible(102))
        #expect(!bounds.isVisible(103))
        #expect(bounds.isVisible(104))
        #expect(!bounds.isVisible(105))
        #expect(!bounds.isVisible(200))
    }

    @Test func thirtyTwoBitXidsResolveIntoTheEpochNearestXmax() {
        let epoch: UInt64 = 1 << 32
        let bounds = SnapshotBounds(xmin: 3 * epoch + 100, xmax: 3 * epoch + 110, inProgress: [3 * epoch + 105])
        #expect(bounds.isVisible(99))
        #expect(bounds.isVisible(104))
        #expect(!bounds.isVisible(105))
        #expect(!bounds.isVisible(110))
        // Just before the wrap: the previous epoch, long committed.
        #expect(bounds.isVisible(UInt64(UInt32.max) - 5))
        // Across a wrap: xmax just past 2^32, xid from just before it.
        let wrapped = SnapshotBounds(xmin: epoch + 2, xmax: epoch + 10, inProgress: [])
        #expect(wrapped.isVisible(UInt64(UInt32.max)))
        #expect(wrapped.isVisible(1))
        #expect(!wrapped.isVisible(10))
        // A 64-bit txid is compared as it is.
        #expect(bounds.isVisible(3 * epoch + 99))
        #expect(!bounds.isVisible(4 * epoch + 99))
    }
}
