import Foundation
import ShapeWire
import Synchronization
@testable import QACtlSync
import QACtlTestSupport

/// Collects values from a background task.
final class Recorder<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])

    func append(_ value: Value) { storage.withLock { $0.append(value) } }
    var values: [Value] { storage.withLock { $0 } }
}

/// Records every snapshot a collection emits until cancelled.
func record(_ collection: SyncCollection) async -> (Recorder<CollectionSnapshot>, Task<Void, Never>) {
    let recorder = Recorder<CollectionSnapshot>()
    let stream = await collection.changes()
    let task = Task {
        for await snapshot in stream { recorder.append(snapshot) }
    }
    return (recorder, task)
}

/// A client of one user against one server: API, tokens, collections.
struct TestClient {
    let server: TestServer
    let user: String
    let api: APIClient
    let tokens: ShapeTokenProvider

    init(server: TestServer, user: String) async throws {
        self.server = server
        self.user = user
        let token = try await server.authToken(user)
        // Read the URL per call: a restarted server keeps its port, but be exact anyway.
        api = APIClient(baseURL: server.baseURL, authToken: token)
        tokens = ShapeTokenProvider(api: api)
    }

    func shape(_ table: String, _ params: [String: String] = [:], backoff: Backoff = Backoff(initialDelay: .milliseconds(50), maxDelay: .milliseconds(500)))
        -> ShapeStreamConfiguration
    {
        var configuration = ShapeStreamConfiguration.gatekeeper(baseURL: server.baseURL, table: table, params: params, tokens: tokens)
        configuration.backoff = backoff
        return configuration
    }

    func messages(_ conversation: String, replica: LocalReplica? = nil, configure: (inout ShapeStreamConfiguration) -> Void = { _ in })
        -> SyncCollection
    {
        var configuration = shape("messages", ["conversationId": conversation])
        configure(&configuration)
        return SyncCollection(id: "messages:\(conversation)", shape: configuration, replica: replica)
    }
}

/// The rows `POST /questions/send` writes, as the client shows them before the server answers.
func optimisticExchange(conversation: String, question: String, answer: String, content: String, user: String = "alice") -> (Row, Row) {
    let now = Date()
    let questionRow: Row = [
        "id": question, "conversation_id": conversation, "user_id": user, "role": "user", "status": "completed",
        "content": content, "created_at": timestamp(now), "updated_at": timestamp(now),
    ]
    let answerRow: Row = [
        "id": answer, "conversation_id": conversation, "user_id": user, "role": "assistant", "status": "pending",
        "content": "", "created_at": timestamp(now.addingTimeInterval(0.001)), "updated_at": timestamp(now),
    ]
    return (questionRow, answerRow)
}

func timestamp(_ date: Date) -> String { PostgresText.timestamp(date) }
