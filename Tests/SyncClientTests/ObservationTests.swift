import Observation
import QACtlTestSupport
import Testing
@testable import QACtlSync

/// `ObservedCollection` and `ObservedQuery`: what a SwiftUI view reads, and that
/// the Observation framework tells it when to read again.
@MainActor
struct ObservationTests {
    private func batch(_ changes: [ChangeMessage], offset: String, replaces: Bool = false) -> ShapeEvent {
        .batch(
            ShapeBatch(
                changes: changes, replacesRows: replaces, txids: Set(changes.flatMap(\.txids)), snapshots: [], globalLastSeenLSN: nil,
                position: ShapePosition(handle: "h-1", offset: Offset(offset)!)))
    }

    private func insert(_ id: String, _ content: String, at time: String, txid: UInt64) -> ChangeMessage {
        ChangeMessage(key: id, operation: .insert, value: ["id": id, "content": content, "created_at": time], txids: [txid])
    }

    /// Waits (on the main actor, so the models' tasks run) until `condition` holds.
    private func until(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TestFailure("timed out: \(what)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func anObservedQueryShowsTheResultInOrderAndNotifiesItsReaders() async throws {
        let collection = SyncCollection(id: "messages", shape: nil)
        let thread = ObservedQuery(collection.liveQuery(orderBy: [.ascending("created_at", as: .timestamp)]))
        await collection.receive(batch([insert("m-2", "second", at: "2026-12-01 10:00:02+00", txid: 7)], offset: "7_0", replaces: true))
        try await until("the first row") { thread.rows.count == 1 }

        // What a view body does: read, and be told when what it read changes.
        let notified = Recorder<Bool>()
        withObservationTracking { _ = thread.rows } onChange: { notified.append(true) }
        await collection.receive(batch([insert("m-1", "first", at: "2026-12-01 10:00:01+00", txid: 8)], offset: "8_0"))
        try await until("the second row") { thread.rows.count == 2 }

        #expect(notified.values == [true])
        #expect(thread.keys == ["m-1", "m-2"])
        #expect(thread.rows.map { $0["content"] } == ["first", "second"])
        #expect(thread.status == .idle)  // a collection fed by hand never starts a stream
    }

    @Test func anObservedCollectionShowsOptimisticRowsUntilTheirWriteSyncsBack() async throws {
        let collection = SyncCollection(id: "messages", shape: nil)
        let observed = ObservedCollection(collection)
        let send = collection.transaction(timeout: .seconds(5)) { _ in 21 }
        try await send.mutate { try $0.insert(["id": "q-1", "content": "Why?"]) }
        try await until("the optimistic row") { observed.rows["q-1"] != nil }
        #expect(observed.optimisticKeys == ["q-1"])

        let commit = Task { try await send.commit() }
        await collection.receive(batch([insert("q-1", "Why?", at: "2026-12-01 10:00:00+00", txid: 21)], offset: "21_0"))
        try await commit.value
        try await until("the confirmed row") { observed.optimisticKeys.isEmpty }
        #expect(observed.rows["q-1"]?["created_at"] == "2026-12-01 10:00:00+00")
    }
}
