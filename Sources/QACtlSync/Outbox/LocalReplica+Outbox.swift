import Foundation
import GRDB

/// The outbox lives in the replica's SQLite file, so a queued write is as
/// durable as the rows: each call below is one SQLite transaction, committed
/// before it returns.
extension LocalReplica {
    /// Stores a write before any attempt to send it. Queuing a key that is
    /// already queued returns the queued entry unchanged (a double submit is one write).
    ///
    /// - Throws: ``ReplicaError`` when the file cannot be written; the write is then not queued.
    @discardableResult
    public func enqueue(
        operation: String, key: String, payload: [String: String], collection: String, rows: [Row] = [], now: Date = Date()
    ) throws -> OutboxEntry {
        guard !key.isEmpty else { throw ReplicaError("an outbox entry needs a non-empty key") }
        return try outboxWrite("queue write \(key)") { db in
            if let queued = try Self.entry(db, key: key) { return queued }
            if try Self.deadLetter(db, key: key) != nil {
                throw ReplicaError("write \(key) was refused by the server; clear it from the dead letters before queuing it again")
            }
            try db.execute(
                sql: "INSERT INTO outbox_entries(key, operation, payload, collection, rows, enqueued_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [key, operation, try Self.json(payload), collection, try Self.json(rows.map(\.values)), now.timeIntervalSince1970])
            guard let stored = try Self.entry(db, key: key) else { throw ReplicaError("write \(key) vanished while being queued") }
            return stored
        }
    }

    /// Queued writes in send order.
    public func outboxEntries() throws -> [OutboxEntry] {
        try outboxRead("read the outbox") { db in
            try GRDB.Row.fetchAll(db, sql: "SELECT * FROM outbox_entries ORDER BY seq").map(Self.entry(from:))
        }
    }

    /// The oldest queued write: the next to send.
    func nextQueued() throws -> OutboxEntry? {
        try outboxRead("read the outbox") { db in
            try GRDB.Row.fetchOne(db, sql: "SELECT * FROM outbox_entries ORDER BY seq LIMIT 1").map(Self.entry(from:))
        }
    }

    /// Writes the server refused, oldest first.
    public func deadLetters() throws -> [DeadLetter] {
        try outboxRead("read the dead letters") { db in
            try GRDB.Row.fetchAll(db, sql: "SELECT * FROM outbox_dead_letters ORDER BY seq").map(Self.deadLetter(from:))
        }
    }

    /// Forgets refused writes: those with `keys`, or all of them. Returns how many went.
    @discardableResult
    public func clearDeadLetters(keys: [String]? = nil) throws -> Int {
        try outboxWrite("clear the dead letters") { db in
            if let keys {
                for key in keys { try db.execute(sql: "DELETE FROM outbox_dead_letters WHERE key = ?", arguments: [key]) }
            } else {
                try db.execute(sql: "DELETE FROM outbox_dead_letters")
            }
            return db.changesCount
        }
    }

    /// The server has the write: it leaves the outbox.
    func removeFromOutbox(_ key: String) throws {
        try outboxWrite("remove write \(key) from the outbox") { db in
            try db.execute(sql: "DELETE FROM outbox_entries WHERE key = ?", arguments: [key])
        }
    }

    /// An attempt failed and will be retried.
    func recordFailedAttempt(_ key: String, error: String) throws {
        try outboxWrite("record a failed attempt of \(key)") { db in
            try db.execute(sql: "UPDATE outbox_entries SET attempts = attempts + 1, last_error = ? WHERE key = ?", arguments: [error, key])
        }
    }

    /// The server refused the write for good: it moves to the dead letters in one step.
    func moveToDeadLetters(_ key: String, error: APIError, now: Date = Date()) throws -> DeadLetter? {
        try outboxWrite("move write \(key) to the dead letters") { db in
            guard try Self.entry(db, key: key) != nil else { return nil }
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO outbox_dead_letters(
                        seq, key, operation, payload, collection, rows, attempts, enqueued_at, error_code, error_message, error_status, failed_at)
                    SELECT seq, key, operation, payload, collection, rows, attempts + 1, enqueued_at, ?, ?, ?, ? FROM outbox_entries WHERE key = ?
                    """,
                arguments: [error.code, error.message, error.status, now.timeIntervalSince1970, key])
            try db.execute(sql: "DELETE FROM outbox_entries WHERE key = ?", arguments: [key])
            return try Self.deadLetter(db, key: key)
        }
    }

    /// The dead letter with `key`, if any (one lookup, not the whole list).
    public func deadLetter(key: String) throws -> DeadLetter? {
        try outboxRead("read the dead letters") { db in try Self.deadLetter(db, key: key) }
    }

    /// The queued entry with `key`, if any (one lookup, not the whole queue).
    public func queuedEntry(key: String) throws -> OutboxEntry? {
        try outboxRead("read the outbox") { db in try Self.entry(db, key: key) }
    }

    // MARK: Rows

    private static func entry(_ db: Database, key: String) throws -> OutboxEntry? {
        try GRDB.Row.fetchOne(db, sql: "SELECT * FROM outbox_entries WHERE key = ?", arguments: [key]).map(entry(from:))
    }

    private static func deadLetter(_ db: Database, key: String) throws -> DeadLetter? {
        try GRDB.Row.fetchOne(db, sql: "SELECT * FROM outbox_dead_letters WHERE key = ?", arguments: [key]).map(deadLetter(from:))
    }

    private static func entry(from row: GRDB.Row) throws -> OutboxEntry {
        let rowsText: String = row["rows"]
        let payloadText: String = row["payload"]
        return OutboxEntry(
            key: row["key"], sequence: row["seq"], operation: row["operation"],
            payload: try JSONDecoder().decode([String: String].self, from: Data(payloadText.utf8)),
            collection: row["collection"],
            rows: try JSONDecoder().decode([[String: String?]].self, from: Data(rowsText.utf8)).map(Row.init),
            attempts: row["attempts"], lastError: row["last_error"],
            enqueuedAt: Date(timeIntervalSince1970: row["enqueued_at"]))
    }

    private static func deadLetter(from row: GRDB.Row) throws -> DeadLetter {
        DeadLetter(
            entry: try entry(from: row),
            error: APIError(code: row["error_code"], message: row["error_message"], status: row["error_status"]),
            failedAt: Date(timeIntervalSince1970: row["failed_at"]))
    }

    private static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private func outboxWrite<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try database.write(body)
        } catch let error as ReplicaError {
            throw error
        } catch {
            throw ReplicaError("cannot \(what) in replica \(path): \(error)")
        }
    }

    private func outboxRead<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try database.read(body)
        } catch {
            throw ReplicaError("cannot \(what) in replica \(path): \(error)")
        }
    }
}
