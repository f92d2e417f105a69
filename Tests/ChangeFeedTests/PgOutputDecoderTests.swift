import ChangeFeed
import Testing

/// The decoder on bytes captured from a real server (`Captured`), one test per
/// message kind, then truncated, extended and garbage input.
struct PgOutputDecoderTests {
    private typealias M = PgOutputMessage

    private func message(_ hex: String) throws -> PgOutputMessage {
        guard case .xLogData(_, _, _, let message) = try PgOutputDecoder.decodeCopyData([UInt8](hex: hex)) else {
            Issue.record("not XLogData")
            throw CancellationError()
        }
        return message
    }

    @Test func keepalive() throws {
        let decoded = try PgOutputDecoder.decodeCopyData([UInt8](hex: Captured.keepalive))
        #expect(decoded == .keepalive(walEnd: 0x192_ADD0, sendTime: 0x0304_610A_CDFB_6C, replyRequested: false))
        var asking = [UInt8](hex: Captured.keepalive)
        asking[asking.count - 1] = 1
        #expect(try PgOutputDecoder.decodeCopyData(asking) == .keepalive(walEnd: 0x192_ADD0, sendTime: 0x0304_610A_CDFB_6C, replyRequested: true))
    }

    @Test func xLogDataHeader() throws {
        let decoded = try PgOutputDecoder.decodeCopyData([UInt8](hex: Captured.begin))
        guard case .xLogData(let walStart, let walEnd, let sendTime, _) = decoded else {
            Issue.record("not XLogData")
            return
        }
        #expect(walStart == 0x192_ACB8)
        #expect(walEnd == 0x192_ACB8)
        #expect(sendTime == 0x0304_610A_CDFB_0B)
    }

    @Test func begin() throws {
        #expect(try message(Captured.begin) == .begin(.init(finalLSN: 0x192_ADA0, commitTimestamp: 0x0304_610A_CDF9_EC, xid: 732)))
    }

    @Test func commit() throws {
        #expect(try message(Captured.commit) == .commit(.init(
            flags: 0, commitLSN: 0x192_ADA0, endLSN: 0x192_ADD0, commitTimestamp: 0x0304_610A_CDF9_EC)))
    }

    @Test func relationWithFullReplicaIdentity() throws {
        guard case .relation(let relation) = try message(Captured.relationMessages) else {
            Issue.record("not a Relation")
            return
        }
        #expect(relation.id == 16391)
        #expect(relation.namespace == "public")
        #expect(relation.name == "messages")
        #expect(relation.replicaIdentity == .full)
        #expect(relation.columns.map(\.name) == ["id", "conversation_id", "content", "feeling"])
        #expect(relation.columns.map(\.typeOID) == [25, 25, 25, 16386])
        #expect(relation.columns.allSatisfy { $0.isKey && $0.typeModifier == -1 })
    }

    @Test func relationWithDefaultReplicaIdentity() throws {
        guard case .relation(let relation) = try message(Captured.relationPlain) else {
            Issue.record("not a Relation")
            return
        }
        #expect(relation.replicaIdentity == .default)
        #expect(relation.columns.map(\.name) == ["id", "note"])
        #expect(relation.columns.map(\.isKey) == [true, false])
        #expect(relation.columns.map(\.typeOID) == [23, 25])
    }

    @Test func type() throws {
        #expect(try message(Captured.type) == .type(.init(oid: 16386, namespace: "public", name: "mood")))
    }

    @Test func origin() throws {
        #expect(try message(Captured.origin) == .origin(.init(commitLSN: 0x1000, name: "upstream")))
    }

    @Test func insert() throws {
        #expect(try message(Captured.insert) == .insert(.init(
            relationID: 16391, new: [.text("m1"), .text("c1"), .text("hello"), .text("happy")])))
        #expect(try message(Captured.insertWithNulls) == .insert(.init(
            relationID: 16391, new: [.text("m2"), .text("c1"), .null, .null])))
    }

    @Test func updateWithOldRow() throws {
        #expect(try message(Captured.updateWithOldRow) == .update(.init(
            relationID: 16391, oldKind: .old,
            old: [.text("m1"), .text("c1"), .text("hello"), .text("happy")],
            new: [.text("m1"), .text("c1"), .text("hi"), .text("happy")])))
    }

    @Test func updateWithKeyAndWithout() throws {
        #expect(try message(Captured.updateWithKey) == .update(.init(
            relationID: 16398, oldKind: .key, old: [.text("1"), .null], new: [.text("2"), .text("b")])))
        #expect(try message(Captured.updateWithoutOldRow) == .update(.init(
            relationID: 16398, oldKind: nil, old: nil, new: [.text("1"), .text("b")])))
    }

    @Test func updateWithUnchangedToast() throws {
        #expect(try message(Captured.updateUnchangedToast) == .update(.init(
            relationID: 16405, oldKind: nil, old: nil, new: [.text("1"), .text("v2"), .unchangedToast])))
    }

    @Test func delete() throws {
        #expect(try message(Captured.deleteWithOldRow) == .delete(.init(
            relationID: 16391, oldKind: .old, old: [.text("m2"), .text("c1"), .null, .null])))
        #expect(try message(Captured.deleteWithKey) == .delete(.init(relationID: 16398, oldKind: .key, old: [.text("2"), .null])))
    }

    @Test func truncate() throws {
        guard case .truncate(let truncate) = try message(Captured.truncate) else {
            Issue.record("not a Truncate")
            return
        }
        #expect(truncate.relationIDs == [16398])
        #expect(!truncate.cascade && !truncate.restartIdentity)
    }

    static let allFixtures = [
        Captured.keepalive, Captured.begin, Captured.type, Captured.relationMessages, Captured.insert, Captured.commit,
        Captured.insertWithNulls, Captured.updateWithOldRow, Captured.deleteWithOldRow, Captured.relationPlain,
        Captured.insertPlain, Captured.updateWithoutOldRow, Captured.updateWithKey, Captured.deleteWithKey,
        Captured.truncate, Captured.origin, Captured.relationDocs, Captured.updateUnchangedToast,
    ]

    @Test(arguments: allFixtures)
    func everyTruncationThrows(_ hex: String) {
        let bytes = [UInt8](hex: hex)
        for length in 0..<bytes.count {
            #expect(throws: ChangeFeedError.self, "prefix of \(length) bytes") {
                try PgOutputDecoder.decodeCopyData(Array(bytes.prefix(length)))
            }
        }
    }

    @Test(arguments: allFixtures)
    func trailingBytesThrow(_ hex: String) {
        #expect(throws: ChangeFeedError.self) { try PgOutputDecoder.decodeCopyData([UInt8](hex: hex) + [0]) }
    }

    @Test func malformedInputThrowsTheRightCode() {
        func code(_ bytes: [UInt8]) -> ChangeFeedError.Code? {
            do {
                _ = try PgOutputDecoder.decodeCopyData(bytes)
                return nil
            } catch {
                return (error as? ChangeFeedError)?.code
            }
        }
        let header = [UInt8](repeating: 0, count: 24)
        #expect(code([]) == .malformedMessage)
        #expect(code([UInt8(ascii: "Z"), 1, 2]) == .unsupportedMessage)
        // Unknown pgoutput message (a protocol v2 stream start).
        #expect(code([UInt8(ascii: "w")] + header + [UInt8(ascii: "S")]) == .unsupportedMessage)
        // Insert whose tuple claims 65535 columns but has three bytes.
        #expect(code([UInt8(ascii: "w")] + header + [0x49, 0, 0, 0, 1, 0x4E, 0xFF, 0xFF, 0x6E, 0x6E, 0x6E]) == .malformedMessage)
        // A text value with a negative length.
        #expect(code([UInt8(ascii: "w")] + header + [0x49, 0, 0, 0, 1, 0x4E, 0, 1, 0x74, 0xFF, 0xFF, 0xFF, 0xFE]) == .malformedMessage)
        // A text value claiming 2 GB.
        #expect(code([UInt8(ascii: "w")] + header + [0x49, 0, 0, 0, 1, 0x4E, 0, 1, 0x74, 0x7F, 0xFF, 0xFF, 0xFF, 0x41]) == .malformedMessage)
        // An unknown tuple kind.
        #expect(code([UInt8(ascii: "w")] + header + [0x49, 0, 0, 0, 1, 0x4E, 0, 1, 0x78]) == .malformedMessage)
        // Insert without its 'N'.
        #expect(code([UInt8(ascii: "w")] + header + [0x49, 0, 0, 0, 1, 0x4B, 0, 0]) == .malformedMessage)
        // Truncate with a negative relation count.
        #expect(code([UInt8(ascii: "w")] + header + [0x54, 0xFF, 0xFF, 0xFF, 0xFF, 0]) == .malformedMessage)
        // A relation name without its terminating NUL.
        #expect(code([UInt8(ascii: "w")] + header + [0x52, 0, 0, 0, 1, 0x61, 0x62]) == .malformedMessage)
        // An unknown replica identity.
        #expect(code([UInt8(ascii: "w")] + header + [0x52, 0, 0, 0, 1, 0, 0x74, 0, 0x71, 0, 0]) == .malformedMessage)
    }

    @Test func garbageNeverCrashes() {
        // A fixed-seed generator: the same inputs on every run.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let tags: [UInt8] = Array("BCORYIUDTMSEw k".utf8)
        for round in 0..<20_000 {
            let length = Int(next() % 64)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: next()) }
            if round % 2 == 0, !bytes.isEmpty {
                // Mostly-plausible framing reaches deeper into the decoder.
                bytes[0] = UInt8(ascii: "w")
                if bytes.count > 25 { bytes[25] = tags[Int(next() % UInt64(tags.count))] }
            }
            _ = try? PgOutputDecoder.decodeCopyData(bytes)
        }
        // Every single-byte corruption of every fixture.
        for hex in Self.allFixtures {
            let bytes = [UInt8](hex: hex)
            for index in bytes.indices {
                var corrupted = bytes
                corrupted[index] = UInt8(truncatingIfNeeded: next())
                _ = try? PgOutputDecoder.decodeCopyData(corrupted)
            }
        }
    }
}
