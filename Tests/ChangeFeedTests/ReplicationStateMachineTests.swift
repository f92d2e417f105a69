import Testing

@testable import ChangeFeed

/// Status updates, names and de-duplication, without a server.
struct ReplicationStateMachineTests {
    private let start = ContinuousClock.now

    private func streaming() -> ReplicationStateMachine {
        var machine = ReplicationStateMachine(assembler: TransactionAssembler())
        machine.streamingStarted(now: start)
        return machine
    }

    @Test func statusUpdateLayout() {
        let bytes = StandbyStatusUpdate(confirmed: 0x0102_0304_0506_0708, clock: 0x1122_3344_5566_7788, replyRequested: true).encoded()
        #expect(bytes.count == 34)
        #expect(bytes[0] == UInt8(ascii: "r"))
        let position: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        #expect(Array(bytes[1..<9]) == position)
        #expect(Array(bytes[9..<17]) == position)
        #expect(Array(bytes[17..<25]) == position)
        #expect(Array(bytes[25..<33]) == [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88])
        #expect(bytes[33] == 1)
    }

    @Test func answersAKeepaliveThatAsksAtOnce() throws {
        var machine = streaming()
        var keepalive = [UInt8](hex: Captured.keepalive)
        #expect(try machine.received(keepalive, now: start, confirmed: 40, clock: 0).status == nil)
        keepalive[keepalive.count - 1] = 1
        let output = try machine.received(keepalive, now: start, confirmed: 40, clock: 9)
        #expect(output.status == StandbyStatusUpdate(confirmed: 40, clock: 9))
    }

    @Test func reportsEveryTenSecondsAndSoonAfterAConfirmation() {
        var machine = streaming()
        #expect(machine.tick(now: start + .seconds(9), confirmed: 0, clock: 0) == nil)
        #expect(machine.tick(now: start + .seconds(10), confirmed: 0, clock: 0)?.flushed == 0)
        #expect(machine.tick(now: start + .seconds(10.5), confirmed: 7, clock: 0) == nil)
        #expect(machine.tick(now: start + .seconds(11), confirmed: 7, clock: 0)?.flushed == 7)
        #expect(machine.tick(now: start + .seconds(12.5), confirmed: 7, clock: 0) == nil)
        // A lower confirmation never lowers what is reported.
        #expect(machine.tick(now: start + .seconds(21), confirmed: 3, clock: 0)?.flushed == 7)
    }

    @Test func reportsALastTimeOnStopOnlyIfSomethingIsNew() {
        var machine = streaming()
        #expect(machine.stopRequested(confirmed: 0, now: start, clock: 0) == nil)
        var other = streaming()
        #expect(other.stopRequested(confirmed: 12, now: start, clock: 0)?.applied == 12)
        #expect(other.state == .stopping)
        #expect(other.tick(now: start + .seconds(60), confirmed: 20, clock: 0) == nil)
        other.closed()
        #expect(other.state == .closed)
    }

    @Test func deliversEventsFromXLogData() throws {
        var machine = streaming()
        for hex in [Captured.begin, Captured.relationMessages, Captured.insert] {
            #expect(try machine.received([UInt8](hex: hex), now: start, confirmed: 0, clock: 0).events.isEmpty)
        }
        #expect(try machine.received([UInt8](hex: Captured.commit), now: start, confirmed: 0, clock: 0).events.count == 2)
    }

    @Test func namesMustBeSimple() throws {
        for good in ["qactl", "slot_1", String(repeating: "a", count: 63)] {
            try ReplicationName.validate(good, what: "slot")
        }
        for bad in ["", "Qactl", "a-b", "a b", "a'b", "é", String(repeating: "a", count: 64), "x;DROP"] {
            #expect(throws: ChangeFeedError.self, "\(bad)") { try ReplicationName.validate(bad, what: "slot") }
        }
    }

    @Test func tableNamesAreQuoted() throws {
        #expect(try TableName("messages").quoted == "\"messages\"")
        #expect(try TableName("app.Messages").quoted == "\"app\".\"Messages\"")
        #expect(try TableName("we\"ird").quoted == "\"we\"\"ird\"")
        #expect(throws: ChangeFeedError.self) { try TableName("") }
    }

    @Test func feedDropsWhatItAlreadyDelivered() {
        let transaction = { (lsn: UInt64) in ReplicationEvent.transaction(.init(txid: 1, lsn: lsn, committedAtMilliseconds: nil, changes: [])) }
        #expect(!ReplicationFeed.isNew(transaction(99), after: 100))
        #expect(ReplicationFeed.isNew(transaction(100), after: 100))
        #expect(!ReplicationFeed.isNew(.truncate(tables: ["t"], lsn: 50), after: 100))
        #expect(!ReplicationFeed.isNew(.checkpoint(lsn: 100), after: 100))
        #expect(ReplicationFeed.isNew(.checkpoint(lsn: 101), after: 100))
        #expect(ReplicationFeed.isNew(.relationChanged(table: "t"), after: 100))
    }

    @Test func urlPasswordsAreRedacted() {
        #expect(DatabaseURL.redacted("postgres://u:secret@h:5432/d") == "postgres://u:***@h:5432/d")
        #expect(DatabaseURL.redacted("postgres://u@h/d") == "postgres://u@h/d")
        #expect(DatabaseURL.redacted("postgres://h:5432/d?user=a@b") == "postgres://h:5432/d?user=a@b")
        #expect(DatabaseURL.redacted("postgresql://h/d?user=u&password=pw&sslmode=require")
            == "postgresql://h/d?user=u&password=***&sslmode=require")
    }
}
