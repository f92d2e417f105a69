import ChangeFeed
import Foundation
import NIOCore
import PostgresHarness
import PostgresStore
import Synchronization

extension BenchmarkScenario {
    /// Runs `body` with a throwaway PostgreSQL cluster (wal_level=logical), stopped afterwards.
    static func withCluster<T>(_ body: (PostgresCluster, String) async throws -> T) async throws -> T {
        let cluster: PostgresCluster
        do {
            cluster = try PostgresCluster.start(.init(database: "bench"))
        } catch {
            throw BenchmarkError("the PostgreSQL scenarios need PostgreSQL's server binaries (Debian: apt-get install postgresql): \\(error)")
        }
        defer { try? cluster.stop() }
        return try await body(cluster, cluster.url + "?sslmode=disable")
    }

    /// Decodes the same WAL as `pg_recvlogical` does, from slots made before it was written.
    static func pgDecode(rows: Int) async throws -> BenchmarkResult {
        try await withCluster { cluster, url in
            try cluster.psql("CREATE TABLE items (id int PRIMARY KEY, body text NOT NULL); ALTER TABLE items REPLICA IDENTITY FULL; CREATE PUBLICATION bench FOR TABLE items;")
            try cluster.psql("SELECT pg_create_logical_replication_slot('bench_ours', 'pgoutput'); SELECT pg_create_logical_replication_slot('bench_theirs', 'pgoutput');")
            let batch = 1000
            for start in stride(from: 0, to: rows, by: batch) {
                try cluster.psql("INSERT INTO items SELECT i, repeat('x', 64) || i FROM generate_series(\(start), \(min(rows, start + batch) - 1)) AS i")
            }
            let endText = try cluster.psql("SELECT pg_current_wal_lsn()").trimmingCharacters(in: .whitespacesAndNewlines)
            guard let end = LSN.parse(endText) else { throw BenchmarkError("unexpected LSN \(endText)") }

            let theirsStart = ContinuousClock.now
            let recv = try CommandRunner.run(
                cluster.binaries.path("pg_recvlogical"),
                ["-d", cluster.url, "--slot", "bench_theirs", "--start", "-o", "proto_version=1", "-o", "publication_names=bench",
                 "--endpos", endText, "--no-loop", "-f", "/dev/null"])
            let theirs = (ContinuousClock.now - theirsStart).secondsValue
            guard recv.status == 0 else { throw BenchmarkError("pg_recvlogical exited with \(recv.status): \(recv.stderr.suffix(300))") }

            let oursStart = ContinuousClock.now
            let connection = try await ReplicationConnection.start(ReplicationConfiguration(url: url, slotName: "bench_ours", publicationName: "bench"))
            var decoded = 0
            for try await event in connection.events {
                if case .transaction(let transaction) = event { decoded += transaction.changes.count }
                if case .checkpoint(let lsn) = event, lsn >= end { break }
            }
            let ours = (ContinuousClock.now - oursStart).secondsValue
            await connection.stop()
            guard decoded == rows else { throw BenchmarkError("decoded \(decoded) of \(rows) changes") }
            let rate = Double(rows) / ours, theirRate = Double(rows) / theirs
            return BenchmarkResult(
                scenario: "pg-decode", summary: "\(rows) replicated rows decoded into transactions vs pg_recvlogical on the same WAL",
                figures: [.init(name: "rows_per_second", value: rate, unit: "rows/s")],
                baseline: .init(name: "pg_recvlogical", value: theirRate, unit: "rows/s"),
                ratio: rate / theirRate, target: "≥ 50% of pg_recvlogical", met: rate >= 0.5 * theirRate)
        }
    }

    /// Runs `body(0..<count)` with at most `width` at a time.
    static func inParallel(_ count: Int, _ width: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                if index >= width { try await group.next() }
                group.addTask { try await body(index) }
            }
            try await group.waitForAll()
        }
    }

    /// Creates conversations `<prefix>-0` … `<prefix>-<count-1>` of user
    /// `bench` through the API, 32 at a time; returns that user's request headers.
    @discardableResult
    static func createConversations(_ count: Int, prefix: String, server: ServeProcess, client: BenchmarkClient) async throws -> [(String, String)] {
        let token = try await server.authToken("bench")
        let auth = [("authorization", "Bearer \(token)"), ("content-type", "application/json")]
        try await inParallel(count, 32) { index in
            let created = try await client.send("/conversations", method: .POST, headers: auth, body: #"{"id":"\#(prefix)-\#(index)","title":"Bench"}"#)
            guard created.status < 300 else { throw BenchmarkError("creating a conversation answered \(created.status)") }
        }
        return auth
    }

    /// Follows the conversation's shape through the gatekeeper, posting every
    /// txid seen; `following` is counted once the shape is live. A 409 starts
    /// over from the new handle, as Electric's clients do.
    static func follow(_ client: BenchmarkClient, token: String, into board: TxidBoard, following: Int = 0) async throws {
        var state = (handle: "", offset: "-1", cursor: "")
        let auth = [("authorization", "Bearer \(token)")]
        var live = false, counted = false
        while !Task.isCancelled {
            var path = "/shape?offset=\(state.offset)"
            if state.offset != "-1" { path += "&handle=\(state.handle)" }
            if live { path += "&live=true&cursor=\(state.cursor)" }
            let answer = try await client.get(path, headers: auth)
            if answer.status == 409 {
                state = (answer.headers["electric-handle"] ?? "", "-1", "")
                live = false
                continue
            }
            guard answer.status == 200 else {
                if Task.isCancelled { return }
                throw BenchmarkError("a live follower's /shape answered \(answer.status): \(String(buffer: answer.body).prefix(200))")
            }
            state.handle = answer.headers["electric-handle"] ?? state.handle
            state.offset = answer.headers["electric-offset"] ?? state.offset
            state.cursor = answer.headers["electric-cursor"] ?? state.cursor
            board.post(answer.body.integers(after: #""txids":["#))
            if answer.headers["electric-up-to-date"] != nil {
                live = true
                if !counted {
                    counted = true
                    board.following()
                }
            }
        }
    }
}

/// Txids the follower has seen, and senders waiting for theirs (woken when
/// their txid is posted, so waiting costs the benchmark client no CPU).
final class TxidBoard: Sendable {
    private struct State {
        var seen = Set<Int>()
        var following = 0
        var waiters: [Int: [CheckedContinuation<Void, Never>]] = [:]
    }

    private let state = Mutex(State())

    func post(_ txids: [Int]) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.seen.formUnion(txids)
            return txids.flatMap { state.waiters.removeValue(forKey: $0) ?? [] }
        }
        for waiter in ready { waiter.resume() }
    }

    func following() { state.withLock { $0.following += 1 } }

    /// Wakes the waiters of `txid` without it having been seen (their wait timed out).
    private func giveUp(on txid: Int) {
        let waiting = state.withLock { $0.waiters.removeValue(forKey: txid) ?? [] }
        for waiter in waiting { waiter.resume() }
    }

    /// Waits until `count` followers are live.
    func waitUntilFollowing(count: Int = 1) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while state.withLock({ $0.following }) < count {
            guard ContinuousClock.now < deadline else { throw BenchmarkError("the shape never became live") }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    func wait(for txid: Int) async throws {
        let timer = Task {
            try await Task.sleep(for: .seconds(30))
            self.giveUp(on: txid)
        }
        defer { timer.cancel() }
        await withCheckedContinuation { continuation in
            let seen = state.withLock { state -> Bool in
                if state.seen.contains(txid) { return true }
                state.waiters[txid, default: []].append(continuation)
                return false
            }
            if seen { continuation.resume() }
        }
        guard state.withLock({ $0.seen.contains(txid) }) else { throw BenchmarkError("txid \(txid) never synced back") }
    }
}
