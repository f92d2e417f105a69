import ShapeWire
import Testing
@testable import QACtlSync
import QACtlTestSupport

/// The overlay and the sync gate, without a server.
struct CollectionStateTests {
    private func batch(_ changes: [ChangeMessage], replaces: Bool = false) -> ShapeBatch {
        ShapeBatch(
            changes: changes, replacesRows: replaces, txids: Set(changes.flatMap(\.txids)), snapshots: [], globalLastSeenLSN: nil,
            position: ShapePosition(handle: "h", offset: Offset("1_0")!))
    }

    private func insert(_ id: String, _ content: String, txid: UInt64 = 1) -> ChangeMessage {
        ChangeMessage(key: "k/\(id)", operation: .insert, value: ["id": id, "content": content], txids: [txid])
    }

    private func draft(_ body: (inout TransactionDraft) throws -> Void) rethrows -> TransactionDraft {
        var draft = TransactionDraft(keyColumns: ["id"])
        try body(&draft)
        return draft
    }

    @Test func syncedBatchesWaitWhileATransactionPersistsAndLandWithItsOverlayDropped() throws {
        var state = CollectionState(keyColumns: ["id"])
        #expect(state.receive(batch([insert("x", "synced")], replaces: true)) == ["x"])
        #expect(state.add(id: 1, draft: try draft { try $0.insert(["id": "q", "content": "optimistic"]) }) == ["q"])
        state.setPersisting(id: 1)
        // The confirming batch arrives while persisting: held, nothing changes on screen.
        #expect(state.receive(batch([insert("q", "from server", txid: 7)])).isEmpty)
        #expect(state.visible["q"]?["content"] == "optimistic")
        #expect(state.synced["q"] == nil)
        // Completion applies it and drops the overlay in one step: one change, never a gap.
        #expect(state.complete(id: 1) == ["q"])
        #expect(state.visible["q"]?["content"] == "from server")
        #expect(state.optimisticKeys.isEmpty && state.held.isEmpty)
    }

    @Test func aCompletedOverlayStaysUntilTheLastPersistingTransactionEnds() throws {
        var state = CollectionState(keyColumns: ["id"])
        _ = state.add(id: 1, draft: try draft { try $0.insert(["id": "a", "content": "A?"]) })
        _ = state.add(id: 2, draft: try draft { try $0.insert(["id": "b", "content": "B?"]) })
        state.setPersisting(id: 1)
        state.setPersisting(id: 2)
        _ = state.receive(batch([insert("a", "A!")]))
        // 1 is confirmed, but its row's batch is held for 2: keep showing 1's row.
        #expect(state.complete(id: 1).isEmpty)
        #expect(state.visible["a"]?["content"] == "A?")
        _ = state.receive(batch([insert("b", "B!")]))
        #expect(state.complete(id: 2) == ["a", "b"])
        #expect(state.visible["a"]?["content"] == "A!" && state.visible["b"]?["content"] == "B!")
    }

    @Test func failureRollsBackAndCascadesToPendingTransactionsOnTheSameKeys() throws {
        var state = CollectionState(keyColumns: ["id"])
        _ = state.receive(batch([insert("s", "synced")], replaces: true))
        _ = state.add(id: 1, draft: try draft { try $0.insert(["id": "q", "content": "1"]); $0.update("s", ["content": "edited"]) })
        _ = state.add(id: 2, draft: draft { $0.update("q", ["content": "2"]) })
        _ = state.add(id: 3, draft: draft { $0.update("other", ["content": "3"]) })
        #expect(state.visible["q"]?["content"] == "2" && state.visible["s"]?["content"] == "edited")
        state.setPersisting(id: 1)
        let (changed, cascaded) = state.fail(id: 1)
        #expect(cascaded == [2])
        #expect(changed == ["q", "s"])
        #expect(state.visible["q"] == nil && state.visible["s"]?["content"] == "synced")
        #expect(state.phase(of: 3) == .pending)
    }

    @Test func laterTransactionsWinAndDraftsMerge() throws {
        var state = CollectionState(keyColumns: ["id"])
        _ = state.receive(batch([insert("r", "base")], replaces: true))
        _ = state.add(id: 5, draft: draft { $0.update("r", ["content": "five"]) })
        _ = state.add(id: 4, draft: draft { $0.update("r", ["content": "four", "extra": "4"]) })
        // Creation order, not staging order.
        #expect(state.visible["r"]?["content"] == "five" && state.visible["r"]?["extra"] == "4")
        var merged = TransactionDraft(keyColumns: ["id"])
        try merged.insert(["id": "n", "content": "new"])
        merged.update("n", ["content": "newer"])
        merged.delete("r")
        #expect(merged.changes["n"] == .insert(["id": "n", "content": "newer"]))
        try merged.insert(["id": "gone"])
        merged.delete("gone")
        #expect(merged.keys == ["n", "r"])
        #expect(throws: TransactionError.self) { try merged.insert(["content": "no id"]) }
    }

    @Test func aReplacingBatchIsAppliedEvenWhilePersistingAndUpdatesMerge() throws {
        var state = CollectionState(keyColumns: ["id"])
        _ = state.receive(batch([insert("a", "1"), insert("b", "1")], replaces: true))
        _ = state.add(id: 1, draft: try draft { try $0.insert(["id": "c"]) })
        state.setPersisting(id: 1)
        _ = state.receive(batch([insert("a", "2")], replaces: true))
        #expect(state.synced.keys.sorted() == ["a"])
        #expect(Set(state.visible.keys) == ["a", "c"])
        _ = state.complete(id: 1)
        _ = state.receive(batch([ChangeMessage(key: "k/a", operation: .update, value: ["id": "a", "content": "3"])]))
        #expect(state.visible["a"] == ["id": "a", "content": "3"])
        _ = state.receive(batch([ChangeMessage(key: "k/a", operation: .delete, value: ["id": "a"])]))
        #expect(state.visible.isEmpty)
    }
}

/// Transactions on a local-only collection (no server needed).
struct TransactionTests {
    @Test func severalMutateCallsMergeAndAnInsertThenDeleteLeavesNothing() async throws {
        let collection = SyncCollection(id: "local", shape: nil)
        let transaction = collection.transaction { _ in 1 }
        try await transaction.mutate { try $0.insert(["id": "a", "content": "1"]) }
        try await transaction.mutate { $0.update("a", ["content": "2"]) }
        #expect(await collection.rows["a"] == ["id": "a", "content": "2"])
        try await transaction.mutate { $0.delete("a") }
        #expect(await collection.rows.isEmpty)
        try await transaction.rollback()
        #expect(await transaction.state == .failed)
        await #expect(throws: TransactionError.self) { try await transaction.mutate { $0.delete("b") } }
    }

    @Test func aCommitWaitsForItsTxidAndCompletesWhenTheBatchArrives() async throws {
        let collection = SyncCollection(id: "local", shape: nil)
        let transaction = collection.transaction { _ in 42 }
        try await transaction.mutate { try $0.insert(["id": "q", "content": "mine"]) }
        let committing = Task { try await transaction.commit() }
        try await eventually("persisting") { await transaction.state == .persisting }
        let batch = ShapeBatch(
            changes: [ChangeMessage(key: "k", operation: .insert, value: ["id": "q", "content": "server"], txids: [42])],
            replacesRows: false, txids: [42], snapshots: [], globalLastSeenLSN: nil,
            position: ShapePosition(handle: "h", offset: Offset("1_0")!))
        await collection.receive(.batch(batch))
        try await committing.value
        #expect(await transaction.state == .completed)
        #expect(await collection.rows["q"]?["content"] == "server")
        // A snapshot that already contains a txid confirms it too.
        let visible = ShapeBatch(
            changes: [], replacesRows: false, txids: [], snapshots: [SnapshotBounds(xmin: 100, xmax: 100)], globalLastSeenLSN: nil,
            position: ShapePosition(handle: "h", offset: Offset("2_0")!))
        await collection.receive(.batch(visible))
        try await collection.awaitTxId(99, timeout: .zero)
        await #expect(throws: TxIdTimeoutError.self) { try await collection.awaitTxId(100, timeout: .milliseconds(50)) }
    }
}
