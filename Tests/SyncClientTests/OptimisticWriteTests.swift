import Foundation
import Synchronization
import Testing
@testable import QACtlSync
import QACtlTestSupport

/// Optimistic writes against a real `qactl serve`: shown at once, confirmed by
/// txid, rolled back on every kind of failure, never flickering.
@Suite(.serialized) struct OptimisticWriteTests {
    @Test func aQuestionAndItsPlaceholderShowAtOnceAndAreConfirmedWithoutFlicker() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let alice = try await TestClient(server: server, user: "alice")
        _ = try await alice.api.createConversation(id: "c-1", title: "Questions")
        let messages = alice.messages("c-1")
        let (snapshots, recording) = await record(messages)
        let updates = Recorder<LiveQueryUpdate>()
        let thread = messages.liveQuery(orderBy: [.ascending("created_at", as: .timestamp)])
        let following = Task { for await update in thread.updates() { updates.append(update) } }
        await messages.start()
        try await eventually("ready") { await messages.status == .ready }
        // Empty and ready is not loading.
        #expect(await messages.rows.isEmpty)
        #expect(snapshots.values.contains { $0.status == .loading })

        let txids = Recorder<UInt64>()
        let send = messages.transaction { _ in
            let txid = try await alice.api.sendQuestion(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "How do shapes work?")
            txids.append(txid)
            return txid
        }
        let (question, answer) = optimisticExchange(conversation: "c-1", question: "q-1", answer: "a-1", content: "How do shapes work?")
        try await send.mutate { draft in
            try draft.insert(question)
            try draft.insert(answer)
        }
        // Visible before any request reached the server.
        #expect(txids.values.isEmpty)
        let shown = await messages.rows
        #expect(shown["q-1"]?["content"] == "How do shapes work?")
        #expect(shown["a-1"]?["status"] == "pending")
        try await eventually("an optimistic snapshot") { snapshots.values.last?.optimisticKeys == ["q-1", "a-1"] }
        #expect(await send.state == .pending)

        try await send.commit()
        #expect(await send.state == .completed)
        let txid = try #require(txids.values.first)
        // Confirmed through the sync stream: the rows are synced ones now, no overlay left.
        try await messages.awaitTxId(txid, timeout: .zero)
        #expect(await messages.state.synced["q-1"] != nil)
        #expect(await messages.state.synced["a-1"] != nil)
        #expect(await messages.state.optimisticKeys.isEmpty)
        #expect(await messages.rows["q-1"]?["user_id"] == "alice")
        try await Task.sleep(for: .milliseconds(200))
        recording.cancel()
        following.cancel()

        // No flicker: from its optimistic insert on, each row is in every emitted state, once.
        let states = snapshots.values
        let first = try #require(states.firstIndex { $0.rows["q-1"] != nil })
        for state in states[first...] {
            #expect(state.rows["q-1"] != nil && state.rows["a-1"] != nil)
            #expect(state.rows.values.filter { $0["content"] == "How do shapes work?" }.count == 1)
        }
        #expect(states.last?.optimisticKeys.isEmpty == true)
        // The live query agrees: never a duplicate key, never a gap, question above answer.
        let results = updates.values
        let firstResult = try #require(results.firstIndex { $0.keys.contains("q-1") })
        for update in results[firstResult...] {
            #expect(Set(update.keys).count == update.keys.count)
            #expect(update.keys == ["q-1", "a-1"])
            #expect(!update.deleted.contains("q-1") && !update.deleted.contains("a-1"))
        }
        #expect(results[firstResult].inserted == ["q-1", "a-1"])
        await messages.stop()
        try await server.stop()
    }

    @Test func someoneElsesConversationRollsBackWithTheServersForbiddenError() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let alice = try await TestClient(server: server, user: "alice")
        let bob = try await TestClient(server: server, user: "bob")
        _ = try await alice.api.createConversation(id: "c-alice", title: "Mine")
        _ = try await bob.api.createConversation(id: "c-bob", title: "Bob's")
        let messages = alice.messages("c-alice")
        await messages.start()
        try await eventually("ready") { await messages.status == .ready }
        let (snapshots, recording) = await record(messages)

        let send = messages.transaction { _ in
            try await alice.api.sendQuestion(conversationId: "c-bob", questionId: "q-x", answerId: "a-x", content: "Let me in")
        }
        let (question, answer) = optimisticExchange(conversation: "c-bob", question: "q-x", answer: "a-x", content: "Let me in")
        try await send.mutate { draft in
            try draft.insert(question)
            try draft.insert(answer)
        }
        // A later, uncommitted edit of the same row falls with it.
        let edit = messages.transaction { _ in 0 }
        try await edit.mutate { $0.update("q-x", ["content": "Let me in, please"]) }
        #expect(await messages.rows["q-x"]?["content"] == "Let me in, please")

        let error = await #expect(throws: APIError.self) { try await send.commit() }
        #expect(error?.code == "forbidden")
        #expect(error?.status == 403)
        #expect(await send.state == .failed)
        #expect(await edit.state == .failed)
        let cascaded = await #expect(throws: TransactionError.self) { try await edit.commit() }
        #expect(cascaded?.kind == .rolledBack)
        #expect(await messages.rows.isEmpty)
        #expect(await messages.state.optimisticKeys.isEmpty)
        try await eventually("the rolled-back state emitted") { snapshots.values.last?.rows.isEmpty == true }
        recording.cancel()
        // Shown, then gone: never half of the exchange.
        #expect(snapshots.values.allSatisfy { $0.rows.isEmpty || ($0.rows["q-x"] != nil && $0.rows["a-x"] != nil) })
        await messages.stop()
        try await server.stop()
    }

    @Test func aFailingMutationFunctionRollsBackAndItsErrorReachesTheCaller() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let alice = try await TestClient(server: server, user: "alice")
        _ = try await alice.api.createConversation(id: "c-1", title: "Questions")
        let messages = alice.messages("c-1")
        await messages.start()
        try await eventually("ready") { await messages.status == .ready }

        // Stands in for a 500 from the API: the route cannot be made to fail on demand.
        let send = messages.transaction { _ in
            throw APIError(code: "internal", message: "Internal server error", status: 500)
        }
        let (question, answer) = optimisticExchange(conversation: "c-1", question: "q-1", answer: "a-1", content: "Hello?")
        try await send.mutate { draft in
            try draft.insert(question)
            try draft.insert(answer)
        }
        #expect(await messages.rows.count == 2)
        let error = await #expect(throws: APIError.self) { try await send.commit() }
        #expect(error == APIError(code: "internal", message: "Internal server error", status: 500))
        #expect(await messages.rows.isEmpty)
        #expect(await send.state == .failed)
        await #expect(throws: TransactionError.self) { try await send.commit() }
        await messages.stop()
        try await server.stop()
    }

    @Test func aTxidThatNeverArrivesTimesOutNamingTheTxidsSeenMeanwhile() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let alice = try await TestClient(server: server, user: "alice")
        _ = try await alice.api.createConversation(id: "c-1", title: "Questions")
        let messages = alice.messages("c-1")
        await messages.start()
        try await eventually("ready") { await messages.status == .ready }

        let otherTxid = Recorder<UInt64>()
        let send = messages.transaction(timeout: .seconds(2)) { _ in
            // Meanwhile another device writes, so something does sync back.
            otherTxid.append(try await alice.api.sendQuestion(conversationId: "c-1", questionId: "q-other", answerId: "a-other", content: "Other"))
            return 4_000_000_000
        }
        try await send.mutate { try $0.insert(["id": "q-lost", "conversation_id": "c-1", "content": "Lost"]) }
        #expect(await messages.rows["q-lost"] != nil)
        let started = ContinuousClock.now
        let error = await #expect(throws: TxIdTimeoutError.self) { try await send.commit() }
        #expect(ContinuousClock.now - started >= .seconds(2))
        #expect(error?.txid == 4_000_000_000)
        #expect(error?.code == "txid_timeout")
        // The other write first; a server that generates answers adds their txids after it.
        #expect(error?.seenMeanwhile.first == otherTxid.values.first)
        #expect(error?.message.contains("\(otherTxid.values.first ?? 0)") == true)
        let rows = await messages.rows
        #expect(rows["q-lost"] == nil)
        #expect(rows["q-other"] != nil && rows["a-other"] != nil)
        await messages.stop()
        try await server.stop()
    }

    @Test func twoWritersOnOneConversationSeeEachOthersRows() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        // Two devices of the conversation's owner: only the owner may write to it.
        let laptop = try await TestClient(server: server, user: "alice")
        let phone = try await TestClient(server: server, user: "alice")
        _ = try await laptop.api.createConversation(id: "c-1", title: "Shared")
        let onLaptop = laptop.messages("c-1")
        let onPhone = phone.messages("c-1")
        await onLaptop.start()
        await onPhone.start()
        try await eventually("both ready") {
            let (laptopStatus, phoneStatus) = (await onLaptop.status, await onPhone.status)
            return laptopStatus == .ready && phoneStatus == .ready
        }

        async let fromLaptop: Void = send(on: onLaptop, api: laptop.api, question: "q-laptop", answer: "a-laptop")
        async let fromPhone: Void = send(on: onPhone, api: phone.api, question: "q-phone", answer: "a-phone")
        _ = try await (fromLaptop, fromPhone)

        let all: Set<String> = ["q-laptop", "a-laptop", "q-phone", "a-phone"]
        try await eventually("laptop sees all") { Set(await onLaptop.rows.keys) == all }
        try await eventually("phone sees all") { Set(await onPhone.rows.keys) == all }
        #expect(await onLaptop.rows["q-phone"]?["content"] == "from q-phone")
        #expect(await onPhone.rows["q-laptop"]?["content"] == "from q-laptop")
        #expect(await onLaptop.state.optimisticKeys.isEmpty)
        #expect(await onPhone.state.optimisticKeys.isEmpty)
        await onLaptop.stop()
        await onPhone.stop()
        try await server.stop()
    }

    @Test func aShapeTheUserMayNotReadPutsTheCollectionInError() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path)
        let alice = try await TestClient(server: server, user: "alice")
        let bob = try await TestClient(server: server, user: "bob")
        _ = try await bob.api.createConversation(id: "c-bob", title: "Bob's")
        let messages = alice.messages("c-bob")
        await messages.start()
        try await eventually("error") { await messages.status == .error }
        let error = try #require(await messages.lastError as? APIError)
        #expect(error.code == "forbidden" && error.status == 403 && error.kind == .forbidden)
        // And the typed API error of a write route.
        let taken = await #expect(throws: APIError.self) { try await alice.api.createConversation(id: "c-bob", title: "Mine now") }
        #expect(taken?.code == "conflict" && taken?.status == 409 && taken?.kind == .conflict)
        try await server.stop()
    }

    private func send(on collection: SyncCollection, api: APIClient, question: String, answer: String) async throws {
        let transaction = collection.transaction { _ in
            try await api.sendQuestion(conversationId: "c-1", questionId: question, answerId: answer, content: "from \(question)")
        }
        let (questionRow, answerRow) = optimisticExchange(conversation: "c-1", question: question, answer: answer, content: "from \(question)")
        try await transaction.mutate { draft in
            try draft.insert(questionRow)
            try draft.insert(answerRow)
        }
        try await transaction.commit()
    }
}
