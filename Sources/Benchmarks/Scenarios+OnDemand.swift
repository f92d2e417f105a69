import AsyncHTTPClient
import Foundation
import GRDB
import NIOCore
import Synchronization
import SQLiteStore

extension BenchmarkScenario {
    /// Query-driven sync over a large table: a `qactl serve` process whose
    /// messages table holds `rows` rows (`perConversation` per conversation),
    /// a shape opened at `now` with `log=changes_only`, then subset snapshots
    /// for one conversation's newest 50 messages, each over HTTP as TanStack
    /// DB's on-demand mode sends them (POST, JSON body). Baseline: the same
    /// rows read straight from the SQLite file with the same indexed query.
    static func onDemand(rows: Int, perConversation: Int, iterations: Int) async throws -> BenchmarkResult {
        let conversations = rows / perConversation
        var databasePath = ""
        return try await ServeProcess.with(prepare: { directory in
            databasePath = directory + "/qactl.sqlite"
            try await fillMessages(path: databasePath, conversations: conversations, perConversation: perConversation)
        }) { server in
            let client = BenchmarkClient(baseURL: server.baseURL, secret: ServeProcess.secret, connections: 16)
            defer { Task { await client.shutdown() } }
            let shape = "/v1/shape?table=messages&where=user_id%20%3D%20%241&params%5B1%5D=bench&log=changes_only&secret=\(ServeProcess.secret)"
            let opened = try await client.get(shape + "&offset=now")
            guard opened.status == 200, let handle = opened.headers["electric-handle"], let offset = opened.headers["electric-offset"] else {
                throw BenchmarkError("opening the shape at now answered \(opened.status)")
            }
            let position = shape + "&offset=\(offset)&handle=\(handle)"
            var subsets = Samples()
            for index in 0..<iterations {
                let conversation = "big-\(index * 7919 % conversations)"
                let body = "{\"where\":\"conversation_id = $1\",\"params\":{\"1\":\"\(conversation)\"},\"order_by\":\"created_at DESC\",\"limit\":50}"
                let start = ContinuousClock.now
                let answer = try await client.send(position, method: .POST, headers: [("content-type", "application/json")], body: body)
                subsets.add(ContinuousClock.now - start)
                let count = BenchmarkClient.countChanges(answer.body)
                guard answer.status == 200, count == 50 else {
                    throw BenchmarkError("subset answered \(answer.status) with \(count) rows: \(String(buffer: answer.body).prefix(200))")
                }
            }
            // The same rows from the file, with the same index, in this process.
            let queue = try DatabaseQueue(path: databasePath)
            var raw = Samples()
            for index in 0..<iterations {
                let conversation = "big-\(index * 7919 % conversations)"
                let start = ContinuousClock.now
                let found = try await queue.read { db in
                    try Row.fetchAll(db, sql: """
                        SELECT id, conversation_id, user_id, role, status, content, created_at, updated_at FROM messages
                        WHERE user_id = ? AND conversation_id = ? ORDER BY created_at DESC, id LIMIT 50
                        """, arguments: ["bench", conversation]).count
                }
                raw.add(ContinuousClock.now - start)
                guard found == 50 else { throw BenchmarkError("raw query found \(found) rows") }
            }
            let p50 = subsets.percentile(50), p99 = subsets.percentile(99)
            return BenchmarkResult(
                scenario: "on-demand",
                summary: "first 50 rows of a live query over a \(rows)-row table: subset snapshot over HTTP (POST) on a changes_only shape",
                figures: [.init(name: "p50", value: p50, unit: "ms"), .init(name: "p99", value: p99, unit: "ms")],
                baseline: .init(name: "raw indexed SQLite query of the same rows (p50)", value: raw.percentile(50), unit: "ms"),
                ratio: p50 / raw.percentile(50), target: "p50 ≤ 50 ms", met: p50 <= 50)
        }
    }

    /// `conversations` conversations of user `bench` with `perConversation`
    /// messages each, written through the store (so they have txids).
    static func fillMessages(path: String, conversations: Int, perConversation: Int) async throws {
        let store = try SQLiteDatabase(path: path)
        defer { try? store.close() }
        let batch = 50
        for first in stride(from: 0, to: conversations, by: batch) {
            try await store.transaction { db, _ in
                for conversation in first..<min(conversations, first + batch) {
                    try db.execute(
                        sql: "INSERT INTO conversations(id, user_id, title, created_at, updated_at) VALUES (?, 'bench', 'Benchmark', ?, ?)",
                        arguments: ["big-\(conversation)", BenchmarkRows.now(), BenchmarkRows.now()])
                    let insert = try db.makeStatement(sql: """
                        INSERT INTO messages(id, conversation_id, user_id, role, status, content, created_at, updated_at)
                        VALUES (?, ?, 'bench', 'user', 'completed', 'How do I mint a shape token?', ?, ?)
                        """)
                    for message in 0..<perConversation {
                        let at = String(format: "2026-11-29 10:%02d:%02d.%06d+00", message / 60 % 60, message % 60, message / 3600)
                        try insert.execute(arguments: ["m-\(conversation)-\(message)", "big-\(conversation)", at, at])
                    }
                }
            }
        }
    }
}
