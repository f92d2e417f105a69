import Foundation
import ShapeWire
import Testing

struct OffsetTests {
    @Test func parsesEveryFormTheProtocolUses() {
        #expect(Offset("-1") == .beforeAll)
        #expect(Offset("0_0") == Offset(tx: 0, op: 0))
        #expect(Offset("0_inf") == .snapshotEnd)
        #expect(Offset("26800584_4") == Offset(tx: 26_800_584, op: 4))
        #expect(Offset("0_02") == Offset(tx: 0, op: 2))
        #expect(Offset("12_inf")?.description == "12_inf")
        #expect(Offset("18446744073709551615_9223372036854775806") == Offset(tx: .max, op: .max - 1))
        for bad in ["", "now", "1", "1_", "_1", "1_-2", "-1_2", "a_b", "1_2_3", " 1_2", "1_2 ", "+1_2", "1_infinity", "99999999999999999999_1",
                    "1_in", "1_inf_", "1_9223372036854775807", "1_99999999999999999999", "1__2"] {
            #expect(Offset(bad) == nil, "\(bad)")
        }
        #expect(RequestedOffset("now") == .now)
        #expect(RequestedOffset("5_2") == .offset(Offset(tx: 5, op: 2)))
    }

    @Test func ordersByTransactionThenOpWithInfLast() {
        let ordered = ["-1", "0_0", "0_1", "0_inf", "5_0", "5_2", "5_inf", "6_0"].compactMap(Offset.init)
        #expect(ordered.count == 8)
        #expect(ordered == ordered.sorted())
        #expect(Offset("10_0")! > Offset("9_inf")!)
    }
}

struct MessageTests {
    @Test func rowKeysQuoteNamesAndDoubleSlashes() {
        let table = TableSchema(name: "items", columns: [ColumnSchema(name: "id", type: "text", primaryKeyIndex: 0), ColumnSchema(name: "v", type: "text")])
        #expect(table.rowKey(["id": "1", "v": "x"]) == "\"public\".\"items\"/\"1\"")
        #expect(table.rowKey(["id": "a/b"]) == "\"public\".\"items\"/\"a//b\"")
        let keyless = TableSchema(schema: "hello", name: "world", columns: [ColumnSchema(name: "b", type: "text"), ColumnSchema(name: "a", type: "text")])
        let row: [String: String?] = ["a": "1", "b": Optional<String>.none]
        #expect(keyless.rowKey(row) == "\"hello\".\"world\"/\"1\"/_")
    }

    @Test func valuesAreJSONStringsOrNullAndEscapedCorrectly() throws {
        let tricky = "quote \" backslash \\ newline \n tab \t bell \u{07} line sep \u{2028} emoji 🎉 é"
        let values: [String: String?] = ["a": .some(tricky), "b": Optional<String>.none, "c": "plain"]
        let row = JSONText.row(values, columns: ["a", "b", "c"])
        let decoded = try JSONSerialization.jsonObject(with: Data(row.utf8)) as! [String: Any]
        #expect(decoded["a"] as? String == tricky)
        #expect(decoded["b"] is NSNull)
        #expect(decoded["c"] as? String == "plain")
        #expect(!row.contains("\u{2028}"))
        // Exactly these escapes; other characters, E2 sequences included (… €), stay raw.
        #expect(JSONText.quoted("a\u{08}\u{0C}\u{07}\u{1F}\u{2028}\u{2029}…€\"\\\r") == #""a\b\f\u0007\u001f\u2028\u2029…€\"\\\r""#)
        #expect(JSONText.quoted("plain é 🎉") == "\"plain é 🎉\"")
        #expect(JSONText.quoted("ends in E2 byte run \u{2028}") == #""ends in E2 byte run \u2028""#)
    }

    @Test func changeMessagesCarryTheLiveHeaders() throws {
        let json = ShapeMessage.change(
            key: "k", operation: .update, value: "{\"id\":\"1\"}", oldValue: "{\"v\":\"0\"}", relation: "[\"public\",\"t\"]",
            lsn: 23_806_000, opPosition: 4, txid: 751, last: true)
        let message = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        let headers = message["headers"] as! [String: Any]
        #expect(headers["operation"] as? String == "update")
        #expect(headers["lsn"] as? String == "23806000")
        #expect(headers["op_position"] as? Int == 4)
        #expect(headers["txids"] as? [Int] == [751])
        #expect(headers["last"] as? Bool == true)
        #expect((message["old_value"] as? [String: String]) == ["v": "0"])
        let end = try JSONSerialization.jsonObject(with: Data(ShapeMessage.snapshotEnd(xmin: 5, xmax: 9, xip: [6, 7]).utf8)) as! [String: Any]
        #expect((end["headers"] as! [String: Any])["xip_list"] as? [String] == ["6", "7"])
    }

    @Test func schemaHeaderListsTypesKeysAndNotNull() throws {
        let table = TableSchema(name: "t", columns: [ColumnSchema(name: "id", type: "int8", primaryKeyIndex: 0, notNull: true), ColumnSchema(name: "v", type: "text")])
        let schema = try JSONSerialization.jsonObject(with: Data(table.electricSchema().utf8)) as! [String: [String: Any]]
        #expect(schema["id"]?["type"] as? String == "int8")
        #expect(schema["id"]?["pk_index"] as? Int == 0)
        #expect(schema["id"]?["not_null"] as? Bool == true)
        #expect(schema["v"]?.count == 1)
        #expect(table.electricSchema(selected: ["id"]).contains("\"v\"") == false)
    }
}

struct ValueTextTests {
    @Test func timestampsAreUTCWithMicroseconds() {
        #expect(PostgresText.timestamp(microsecondsSinceEpoch: 0) == "1970-01-01 00:00:00.000000+00")
        #expect(PostgresText.timestamp(microsecondsSinceEpoch: 1_795_924_800_123_456) == "2026-11-29 04:00:00.123456+00")
        #expect(PostgresText.timestamp(microsecondsSinceEpoch: -1) == "1969-12-31 23:59:59.999999+00")
        #expect(PostgresText.timestamp(microsecondsSinceEpoch: 253_402_300_799_000_001) == "9999-12-31 23:59:59.000001+00")
    }

    @Test func cursorMovesForwardPastTheClientsCursor() {
        let now = Date(timeIntervalSince1970: 1_795_924_800)
        let first = LiveCursor.next(after: nil, now: now)
        #expect(first % 20 == 0)
        #expect(first >= UInt64(now.timeIntervalSince(LiveCursor.epoch)))
        let second = LiveCursor.next(after: String(first), now: now)
        #expect(second > first && second <= first + 3600)
        #expect(LiveCursor.next(after: "junk", now: now) == first)
    }
}

struct FlatJSONObjectTests {
    @Test func readsChangeLogRowsAsSQLiteWritesThem() throws {
        let text = #"{"id":"m1","n":-42,"body":"a \"quoted\" line\nnext \u00e9 \ud83d\ude00 \/","gone":null, "e" : ""}"#
        let row = try #require(FlatJSONObject.parse(text))
        #expect(row["id"] == .some("m1"))
        #expect(row["n"] == .some("-42"))
        #expect(row["body"] == .some("a \"quoted\" line\nnext é 😀 /"))
        #expect(row["gone"] == .some(nil))
        #expect(row["e"] == .some(""))
        #expect(row.count == 5)
        #expect(FlatJSONObject.parse("{}")?.isEmpty == true)
    }

    @Test func leavesEverythingElseToTheGeneralParser() {
        for text in [#"{"a":1.5}"#, #"{"a":1e3}"#, #"{"a":true}"#, #"{"a":{"b":1}}"#, #"{"a":[1]}"#, "[1]", "",
                     #"{"a":"unterminated}"#, #"{"a":"\ud83d"}"#, #"{"a":"x"} trailing"#, #"{"a" "x"}"#, "{\"a\":\"\u{01}\"}"] {
            #expect(FlatJSONObject.parse(text) == nil, "\(text)")
        }
    }
}
