import ChangeFeed
import Testing
/// The assembler on captured streams and on hand-made messages.
struct TransactionAssemblerTests {
    private typealias M = PgOutputMessage

    private func feed(_ assembler: inout TransactionAssembler, _ hexes: [String]) throws -> [ReplicationEvent] {
        try hexes.flatMap { try assembler.consume(PgOutputDecoder.decodeCopyData([UInt8](hex: $0))) }
    }

    private static let relation = M.Relation(
        id: 1, namespace: "public", name: "messages", replicaIdentity: .full,
        columns: ["id", "conversation_id", "content"].map { .init(flags: 1, name: $0, typeOID: 25, typeModifier: -1) })

    private func begin(_ xid: UInt32, at lsn: UInt64) -> M { .begin(.init(finalLSN: lsn, commitTimestamp: 0, xid: xid)) }
    private func commit(at lsn: UInt64, end: UInt64) -> M { .commit(.init(flags: 0, commitLSN: lsn, endLSN: end, commitTimestamp: 0)) }
    private func insert(_ id: String) -> M { .insert(.init(relationID: 1, new: [.text(id), .text("c"), .text("x")])) }

    @Test func capturedInsertBecomesOneTransaction() throws {
        var assembler = TransactionAssembler()
        let events = try feed(&assembler, [Captured.begin, Captured.type, Captured.relationMessages, Captured.insert, Captured.commit])
        #expect(events.count == 2)
        guard case .transaction(let transaction) = events.first, case .checkpoint(let lsn) = events.last else {
            Issue.record("expected a transaction and a checkpoint, got \(events)")
            return
        }
        #expect(transaction.txid == 732)
        #expect(transaction.lsn == 0x192_ADA0)
        #expect(lsn == 0x192_ADD0)
        // 0x0304610acdf9ec µs after 2000-01-01 is 2026-11-29 03:56:09.741804 UTC.
        #expect(transaction.committedAtMilliseconds == 1_795_924_569_741)
        #expect(transaction.changes.count == 1)
        let change = try #require(transaction.changes.first)
        #expect(change.table == "messages")
        #expect(change.operation == .insert)
        #expect(change.old == nil)
        #expect(change.new == ["id": "m1", "conversation_id": "c1", "content": "hello", "feeling": "happy"])
        #expect(change.opPosition == 0)
        #expect(change.sequence == 0x192_ADA0)
    }

    @Test func capturedUpdatesAndDeletesCarryOldRows() throws {
        var assembler = TransactionAssembler()
        _ = try feed(&assembler, [Captured.begin, Captured.relationMessages, Captured.relationPlain])
        let events = try feed(&assembler, [
            Captured.insertWithNulls, Captured.updateWithOldRow, Captured.deleteWithOldRow,
            Captured.updateWithKey, Captured.deleteWithKey, Captured.updateWithoutOldRow, Captured.commit,
        ])
        guard case .transaction(let transaction) = events.first else {
            Issue.record("no transaction in \(events)")
            return
        }
        let changes = transaction.changes
        #expect(changes.map(\.operation) == [.insert, .update, .delete, .update, .delete, .update])
        #expect(changes.map(\.opPosition) == [0, 2, 4, 6, 8, 10])
        #expect(changes.map(\.sequence) == (0..<6).map { 0x192_ADA0 + $0 })
        #expect(changes[0].new?["content"] == .some(nil))
        #expect(changes[1].old?["content"] == "hello")
        #expect(changes[1].new?["content"] == "hi")
        let deleted: [String: String?] = ["id": "m2", "conversation_id": "c1", "content": nil, "feeling": nil]
        #expect(changes[2].old == deleted)
        // A key-only old row has only the key: its other columns are unknown, not NULL.
        #expect(changes[3].table == "plain")
        #expect(changes[3].old == ["id": "1"])
        #expect(changes[3].new == ["id": "2", "note": "b"])
        #expect(changes[4].old == ["id": "2"])
        #expect(changes[5].old == nil)
    }

    @Test func capturedTruncateIsItsOwnEvent() throws {
        var assembler = TransactionAssembler()
        _ = try feed(&assembler, [Captured.begin, Captured.relationPlain, Captured.insertPlain, Captured.commit])
        let events = try feed(&assembler, [Captured.beginOfTruncate, Captured.relationPlainResent, Captured.truncate, Captured.commitOfTruncate])
        // The identical Relation resent after TRUNCATE is not a schema change.
        #expect(events.count == 2)
        guard case .truncate(let tables, let lsn) = events.first, case .checkpoint = events.last else {
            Issue.record("expected truncate and checkpoint, got \(events)")
            return
        }
        #expect(tables == ["plain"])
        #expect(lsn == 0x193_1168)
    }

    @Test func unchangedToastWithoutOldRowIsLeftOut() throws {
        var assembler = TransactionAssembler()
        let events = try feed(&assembler, [Captured.begin, Captured.relationDocs, Captured.updateUnchangedToast, Captured.commit])
        guard case .transaction(let transaction) = events.first else {
            Issue.record("no transaction")
            return
        }
        #expect(transaction.changes.first?.new == ["id": "1", "title": "v2"])
    }

    @Test func unchangedToastIsFilledFromTheOldRow() throws {
        var assembler = TransactionAssembler()
        _ = try assembler.consume(.relation(Self.relation))
        _ = try assembler.consume(begin(7, at: 100))
        _ = try assembler.consume(.update(.init(
            relationID: 1, oldKind: .old, old: [.text("m"), .text("c"), .text("long text")],
            new: [.text("m"), .text("c2"), .unchangedToast])))
        let events = try assembler.consume(commit(at: 100, end: 120))
        guard case .transaction(let transaction) = events.first else {
            Issue.record("no transaction")
            return
        }
        #expect(transaction.changes.first?.new == ["id": "m", "conversation_id": "c2", "content": "long text"])
        #expect(transaction.changes.first?.old?["conversation_id"] == "c")
    }

    @Test func sequencesGrowAcrossTransactionsEvenWhenLSNsAreClose() throws {
        var assembler = TransactionAssembler(sequenceFloor: 5)
        _ = try assembler.consume(.relation(Self.relation))
        var sequences: [Int64] = []
        // Ten changes committed at 100, then one at 104 (closer than ten), then one far away.
        for (lsn, count) in [(UInt64(100), 10), (104, 1), (1_000, 2)] {
            _ = try assembler.consume(begin(1, at: lsn))
            for index in 0..<count { _ = try assembler.consume(insert("r\(index)")) }
            for case .transaction(let transaction) in try assembler.consume(commit(at: lsn, end: lsn + 1)) {
                sequences += transaction.changes.map(\.sequence)
            }
        }
        #expect(sequences == Array(100...110) + [1_000, 1_001])
        #expect(assembler.lastSequence == 1_001)
        // A floor above the LSN (a resumed feed) wins.
        var resumed = TransactionAssembler(sequenceFloor: 5_000)
        _ = try resumed.consume(.relation(Self.relation))
        _ = try resumed.consume(begin(1, at: 2_000))
        _ = try resumed.consume(insert("a"))
        _ = try resumed.consume(commit(at: 2_000, end: 2_001))
        #expect(resumed.lastSequence == 5_001)
    }

    @Test func schemaChangesAreReportedBeforeTheTransaction() throws {
        var assembler = TransactionAssembler()
        #expect(try assembler.consume(.relation(Self.relation)).isEmpty)
        var widened = Self.relation
        widened.columns.append(.init(flags: 1, name: "extra", typeOID: 25, typeModifier: -1))
        _ = try assembler.consume(begin(2, at: 200))
        #expect(try assembler.consume(.relation(widened)).isEmpty)
        _ = try assembler.consume(.insert(.init(relationID: 1, new: [.text("a"), .text("b"), .text("c"), .null])))
        let events = try assembler.consume(commit(at: 200, end: 210))
        guard case .relationChanged(let table) = events.first, case .transaction = events.dropFirst().first else {
            Issue.record("expected relationChanged then transaction, got \(events)")
            return
        }
        #expect(table == "messages")
        // Replica identity alone is not a schema change; a new OID for the same name is.
        var identityOnly = widened
        identityOnly.replicaIdentity = .default
        #expect(try assembler.consume(.relation(identityOnly)).isEmpty)
        var recreated = widened
        recreated.id = 99
        guard case .relationChanged("messages") = try assembler.consume(.relation(recreated)).first else {
            Issue.record("a recreated table was not reported")
            return
        }
        #expect(assembler.relations[1] == nil)
    }

    @Test func keepalivesBecomeCheckpointsOnlyBetweenTransactions() throws {
        var assembler = TransactionAssembler()
        let idle = try assembler.consume(ReplicationMessage.keepalive(walEnd: 50, sendTime: 0, replyRequested: false))
        guard case .checkpoint(50) = idle.first else {
            Issue.record("no checkpoint from an idle keepalive")
            return
        }
        #expect(try assembler.consume(ReplicationMessage.keepalive(walEnd: 50, sendTime: 0, replyRequested: true)).isEmpty)
        _ = try assembler.consume(begin(3, at: 300))
        #expect(try assembler.consume(ReplicationMessage.keepalive(walEnd: 60, sendTime: 0, replyRequested: false)).isEmpty)
        #expect(assembler.isInTransaction)
    }

    @Test func outOfOrderMessagesThrow() throws {
        func violation(_ messages: [M]) -> ChangeFeedError.Code? {
            var assembler = TransactionAssembler()
            do {
                for message in messages { _ = try assembler.consume(message) }
                return nil
            } catch {
                return (error as? ChangeFeedError)?.code
            }
        }
        #expect(violation([.relation(Self.relation), insert("a")]) == .protocolViolation)
        #expect(violation([begin(1, at: 10), insert("a")]) == .protocolViolation)
        #expect(violation([commit(at: 10, end: 11)]) == .protocolViolation)
        #expect(violation([begin(1, at: 10), begin(2, at: 20)]) == .protocolViolation)
        #expect(violation([begin(1, at: 10), commit(at: 11, end: 12)]) == .protocolViolation)
        #expect(violation([.relation(Self.relation), begin(1, at: 10), .insert(.init(relationID: 1, new: [.null]))]) == .protocolViolation)
        #expect(violation([.relation(Self.relation), .truncate(.init(relationIDs: [1], options: 0))]) == .protocolViolation)
        #expect(violation([.relation(Self.relation), begin(1, at: 10), .insert(.init(relationID: 1, new: [.binary([1]), .null, .null]))])
            == .unsupportedMessage)
    }

    @Test func tableNamesOutsidePublicAreQualified() {
        var relation = Self.relation
        #expect(TransactionAssembler.tableName(relation) == "messages")
        relation.namespace = "app"
        #expect(TransactionAssembler.tableName(relation) == "app.messages")
    }

    @Test func lsnText() {
        #expect(LSN.format(0x16_B374_D848) == "16/B374D848")
        #expect(LSN.format(0) == "0/0")
        #expect(LSN.parse("16/B374D848") == 0x16_B374_D848)
        #expect(LSN.parse("0/0") == 0)
        for bad in ["", "1", "1/", "/1", "1/2/3", "g/1", "123456789/0", "-1/0"] {
            #expect(LSN.parse(bad) == nil, "\(bad)")
        }
    }
}
