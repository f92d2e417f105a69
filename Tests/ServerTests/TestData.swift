import Foundation
import GRDB
import QACtlTestSupport
import ShapeWire
import SQLiteStore
/// Writes rows into a server's SQLite file from the test process, through the
/// store's own writer (so each write has a txid), as a second process would.
struct TestData {
    let store: SQLiteDatabase

    init(server: ServeProcess) throws {
        store = try SQLiteDatabase(path: server.dataDirectory + "/qactl.sqlite")
    }

    static func now() -> String { PostgresText.timestamp(Date()) }

    @discardableResult
    func conversation(_ id: String, user: String, title: String = "A title") async throws -> UInt64 {
        try await store.transaction { db, _ in
            try db.execute(
                sql: "INSERT INTO conversations(id, user_id, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [id, user, title, Self.now(), Self.now()])
        }.1
    }

    @discardableResult
    func message(_ id: String, conversation: String, user: String = "alice", role: String = "user", status: String = "completed", content: String = "hi") async throws -> UInt64 {
        try await store.transaction { db, _ in
            try db.execute(
                sql: "INSERT INTO messages(id, conversation_id, user_id, role, status, content, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [id, conversation, user, role, status, content, Self.now(), Self.now()])
        }.1
    }

    @discardableResult
    func execute(_ sql: String, _ arguments: StatementArguments = []) async throws -> UInt64 {
        try await store.transaction { db, _ in try db.execute(sql: sql, arguments: arguments) }.1
    }
}

/// The servers of these tests: `qactl serve` processes from the shared test support.
typealias ServeProcess = TestServer
