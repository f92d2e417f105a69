import Foundation
import GRDB
import Server
import SQLiteStore
/// A `qactl serve` running in this process on a free loopback port, over a
/// fresh data dir that is removed afterwards.
final class BenchmarkServer: Sendable {
    static let secret = "bench-secret"

    let server: QACtlServer
    let client: BenchmarkClient
    let directory: String
    private let task: Task<Void, any Error>
    private let shutdown: ShutdownSwitch

    private init(server: QACtlServer, client: BenchmarkClient, directory: String, task: Task<Void, any Error>, shutdown: ShutdownSwitch) {
        self.shutdown = shutdown
        self.server = server
        self.client = client
        self.directory = directory
        self.task = task
    }

    static func start(postgresURL: String? = nil, answering: Bool = true) async throws -> BenchmarkServer {
        let directory = NSTemporaryDirectory() + "qactl-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let configuration = ServerConfiguration(
            host: "127.0.0.1", port: 0, dataDirectory: directory, syncSecret: secret, logLevel: .error, postgresURL: postgresURL,
            answerer: answering ? .builtin(knowledgeDirectory: nil) : .none)
        let server = try await QACtlServer.open(configuration)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let shutdown = ShutdownSwitch()
        let task = Task {
            try await server.run(shutdownSignals: [], shutdown: shutdown) { _, port in continuation.yield(port) }
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw BenchmarkError("the server did not start") }
        let client = BenchmarkClient(baseURL: "http://127.0.0.1:\(port)", secret: secret)
        return BenchmarkServer(server: server, client: client, directory: directory, task: task, shutdown: shutdown)
    }

    /// Runs `body` against a fresh server and stops it afterwards, also on errors.
    static func with<T>(postgresURL: String? = nil, answering: Bool = true, _ body: (BenchmarkServer) async throws -> T) async throws -> T {
        let bench = try await start(postgresURL: postgresURL, answering: answering)
        do {
            let result = try await body(bench)
            await bench.stop()
            return result
        } catch {
            await bench.stop()
            throw error
        }
    }

    func stop() async {
        await client.shutdown()
        await shutdown.trigger()
        _ = try? await task.value
        try? FileManager.default.removeItem(atPath: directory)
    }

    var store: SQLiteDatabase {
        // The benchmark server is always the embedded default.
        guard let sqlite = server.sqlite else { preconditionFailure("the benchmark server runs on SQLite") }
        return sqlite
    }

    /// Inserts conversations `prefix-0 … prefix-(count-1)` in one transaction.
    func insertConversations(prefix: String, count: Int) async throws {
        try await store.transaction { db, _ in
            let now = Self.now()
            for index in 0..<count {
                try db.execute(
                    sql: "INSERT INTO conversations(id, user_id, title, created_at, updated_at) VALUES (?, 'bench', 'Benchmark', ?, ?)",
                    arguments: ["\(prefix)-\(index)", now, now])
            }
        }
    }

    /// Inserts one message; returns its txid.
    @discardableResult
    func insertMessage(_ id: String, conversation: String) async throws -> UInt64 {
        try await store.transaction { db, _ in
            let now = Self.now()
            try db.execute(
                sql: "INSERT INTO messages(id, conversation_id, user_id, role, status, content, created_at, updated_at) VALUES (?, ?, 'bench', 'user', 'completed', 'How do I mint a shape token?', ?, ?)",
                arguments: [id, conversation, now, now])
        }.1
    }

    static func now() -> String {
        "2026-11-29 10:00:00.000000+00"
    }

    /// The query string of the messages shape of one conversation.
    static func messagesQuery(_ conversation: String) -> String {
        "table=messages&where=conversation_id%20%3D%20%241&params%5B1%5D=\(conversation)"
    }
}
