import ChangeFeed
import Foundation
import PostgresHarness
import SyncModel
import Testing

extension [UInt8] {
    /// Bytes from a hex string (fixtures); an odd or non-hex string fails the test.
    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) ?? hex.endIndex
            guard let byte = UInt8(hex[index..<next], radix: 16) else {
                Issue.record("bad hex at \(hex.distance(from: hex.startIndex, to: index))")
                break
            }
            bytes.append(byte)
            index = next
        }
        self = bytes
    }
}

/// One PostgreSQL cluster for the whole suite (initdb costs seconds); each
/// test gets a database of its own, so tests can run in parallel. The harness
/// stops the cluster when the test process exits.
enum TestCluster {
    private static let shared = Result { try PostgresCluster.start() }

    /// A fresh database in the shared cluster: its cluster, URL and a name for slots/publications.
    static func database() async throws -> (cluster: PostgresCluster, url: String, name: String) {
        // Off the cooperative pool: the first caller runs initdb, the others wait for it.
        let cluster = try await onThread { try shared.get() }
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        let url = try await onThread { try cluster.createDatabase(name) }
        return (cluster, url, name)
    }
}

/// Runs blocking harness work (psql, initdb) off the cooperative thread pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

extension PostgresCluster {
    /// psql on a thread of its own, in `database`.
    @discardableResult
    func sql(_ sql: String, in database: String) async throws -> String {
        try await onThread { try self.psql(sql, database: database) }
    }
}

/// Collects a stream's events in the background so tests can wait for a
/// condition with a deadline. `@unchecked Sendable`: `events` and `failure`
/// are only touched while holding `lock`.
final class EventCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [ReplicationEvent] = []
    private var failure: (any Error)?
    private var finished = false
    private var task: Task<Void, Never>?

    init(_ stream: AsyncThrowingStream<ReplicationEvent, any Error>) {
        task = Task { [self] in
            do {
                for try await event in stream { self.locked { $0.events.append(event) } }
                self.locked { $0.finished = true }
            } catch {
                self.locked {
                    $0.failure = error
                    $0.finished = true
                }
            }
        }
    }

    private func locked<T>(_ body: (EventCollector) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(self)
    }

    var all: [ReplicationEvent] { locked { $0.events } }
    var error: (any Error)? { locked { $0.failure } }
    var isFinished: Bool { locked { $0.finished } }

    var transactions: [CommittedTransaction] {
        all.compactMap { if case .transaction(let transaction) = $0 { transaction } else { nil } }
    }

    /// Waits until `condition` holds for the events so far; fails the test on timeout.
    @discardableResult
    func wait(
        for what: String, timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
        until condition: @escaping ([ReplicationEvent]) -> Bool
    ) async throws -> [ReplicationEvent] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (events, failure, finished) = locked { ($0.events, $0.failure, $0.finished) }
            if condition(events) { return events }
            if let failure { throw failure }
            if finished { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting for \(what); got \(all.count) events", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    /// Waits until `count` transactions have arrived.
    @discardableResult
    func waitForTransactions(_ count: Int, timeout: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> [CommittedTransaction]
    {
        try await wait(for: "\(count) transactions", timeout: timeout, sourceLocation: sourceLocation) { events in
            events.count { if case .transaction = $0 { true } else { false } } >= count
        }
        return transactions
    }
}

/// The `messages` table of the end-to-end tests, set up for replication.
func makeMessagesTable(_ cluster: PostgresCluster, url: String, database: String, publication: String) async throws {
    try await cluster.sql(
        "CREATE TABLE messages (id text PRIMARY KEY, conversation_id text, content text)", in: database)
    let setup = ReplicationSetup(url: url)
    try await setup.setReplicaIdentityFull(["messages"])
    try await setup.ensurePublication(publication, tables: ["messages"])
}
