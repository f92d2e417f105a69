import Foundation
import Testing
@testable import QACtlSync
import QACtlTestSupport

/// The stream straight against a sync service's `/v1/shape` (as against Electric): no gatekeeper, shape in the query.
@Suite(.serialized) struct DirectShapeTests {
    @Test func aWhereClauseWithParametersSyncsAndGoesLive() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let alice = try await TestClient(server: server, user: "alice")
        let bob = try await TestClient(server: server, user: "bob")
        _ = try await alice.api.createConversation(id: "c-1", title: "a+b = c")
        _ = try await bob.api.createConversation(id: "c-2", title: "Bob's")
        var configuration = ShapeStreamConfiguration(
            url: server.baseURL + "/v1/shape",
            parameters: ["table": "conversations", "where": "user_id = $1 OR title = $2", "params[1]": "nobody", "params[2]": "a+b = c", "secret": "s3cret"])
        configuration.backoff = Backoff(initialDelay: .milliseconds(50), maxDelay: .milliseconds(500))
        let conversations = SyncCollection(id: "conversations", shape: configuration)
        await conversations.start()
        try await eventually("ready") { await conversations.status == .ready }
        #expect(Set(await conversations.rows.keys) == ["c-1"])
        #expect(await conversations.rows["c-1"]?["title"] == "a+b = c")
        let created = try await alice.api.createConversation(id: "c-3", title: "a+b = c")
        #expect(created.conversation["user_id"] == "alice")
        try await conversations.awaitTxId(created.txid)
        #expect(Set(await conversations.rows.keys) == ["c-1", "c-3"])
        // Stopping cancels the 20 s long-poll in flight instead of waiting it out
        // (a loaded machine may take a few seconds to get there).
        try await Task.sleep(for: .milliseconds(300))
        let stopping = ContinuousClock.now
        await conversations.stop()
        #expect(ContinuousClock.now - stopping < .seconds(10))
        #expect(await conversations.status == .idle)
        try await server.stop()
    }

    @Test func reservedParametersAndAWrongSecretAreTypedErrors() async throws {
        let dir = TemporaryDirectory()
        let server = try await TestServer.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let reserved = ShapeStream(ShapeStreamConfiguration(url: server.baseURL + "/v1/shape", parameters: ["table": "conversations", "offset": "0_0"]))
        let configurationError = await #expect(throws: ShapeStreamError.self) { try await reserved.run { _ in } }
        #expect(configurationError?.kind == .invalidConfiguration)
        // 401 with no token source to refresh: the stream stops and says why.
        let wrongSecret = ShapeStream(ShapeStreamConfiguration(url: server.baseURL + "/v1/shape", parameters: ["table": "conversations", "secret": "nope"]))
        let unauthorized = await #expect(throws: ShapeStreamError.self) { try await wrongSecret.run { _ in } }
        #expect(unauthorized?.kind == .unauthorized && unauthorized?.status == 401)
        let unknownTable = ShapeStream(ShapeStreamConfiguration(url: server.baseURL + "/v1/shape", parameters: ["table": "nope", "secret": "s3cret"]))
        let badRequest = await #expect(throws: ShapeStreamError.self) { try await unknownTable.run { _ in } }
        #expect(badRequest?.kind == .badRequest && badRequest?.status == 400)
        try await server.stop()
    }
}
