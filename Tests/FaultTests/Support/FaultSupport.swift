import Foundation
import PostgresHarness
import QACtlTestSupport
import Testing

/// Runs blocking work (psql, pg_ctl) off the cooperative pool.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// One throwaway PostgreSQL cluster (its own: these tests restart and break
/// it) and a `qactl serve` on it, with alice's conversation and shape token.
struct PostgresScene {
    let cluster: PostgresCluster
    let server: TestServer
    let api: ServerAPI
    let alice: String
    let shapeToken: String
    static let conversation = "c-faults"

    static func start(dataDirectory: String) async throws -> PostgresScene {
        let cluster = try await blocking { try PostgresCluster.start() }
        let server = try await TestServer.start(
            dataDirectory: dataDirectory, arguments: ["--database-url", cluster.url + "?sslmode=disable", "--log-level", "info"])
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        try await api.conversation(conversation, token: alice)
        guard let token = try await api.shapeToken(table: "messages", params: ["conversationId": conversation], token: alice).1 else {
            throw TestFailure("no shape token")
        }
        return PostgresScene(cluster: cluster, server: server, api: api, alice: alice, shapeToken: token)
    }

    func load(writers: Int = 4, count: Int, tag: String) -> WriteLoad {
        WriteLoad(api: api, token: alice, conversation: Self.conversation, writers: writers, count: count, tag: tag)
    }

    /// The walsender serving qactl's slot, terminated (qactl reconnects at once).
    func terminateWalsender() async throws {
        _ = try await blocking { [cluster] in
            try cluster.psql("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE active_pid IS NOT NULL")
        }
    }

    /// Drops qactl's slot, terminating its walsender first (an active slot cannot be dropped).
    func dropSlot() async throws {
        try await eventually("the slot could be dropped", timeout: .seconds(30)) {
            let dropped = try? await blocking { [cluster] in
                try cluster.psql(
                    """
                    SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE active_pid IS NOT NULL;
                    SELECT pg_sleep(0.05);
                    SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE NOT active;
                    SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'qactl_%';
                    """)
            }
            return dropped?.split(separator: "\n").last == "0"
        }
    }

    /// The invariant: every acknowledged question reaches the live follower
    /// and a fresh sync exactly once, and nothing unacknowledged was answered
    /// with anything but 200 or 503 + retry-after.
    func expectEveryAcknowledgedWriteOnce(_ tally: WriteLoad.Tally, follower: ShapeFollower, timeout: Duration = .seconds(60)) async throws {
        #expect(tally.unexpected.isEmpty, "unexpected answers: \(tally.unexpected.prefix(5))")
        let acknowledged = Set(tally.acknowledged)
        #expect(!acknowledged.isEmpty)
        try await eventually("the live follower has every acknowledged question", timeout: timeout) {
            let view = follower.current
            return view.upToDate && acknowledged.isSubset(of: view.inserts.keys)
        }
        let live = follower.current.inserts
        #expect(live.filter { $0.value > 1 }.isEmpty, "delivered more than once to the live follower: \(live.filter { $0.value > 1 }.keys.sorted().prefix(5))")
        let fresh = try await ShapeFollower.freshSync(api: api, token: shapeToken)
        #expect(acknowledged.subtracting(fresh.keys).isEmpty, "missing from a fresh sync: \(acknowledged.subtracting(fresh.keys).sorted().prefix(5))")
        #expect(fresh.filter { $0.value > 1 }.isEmpty, "duplicated in a fresh sync")
    }

    /// Every answer ends completed (none left pending or streaming) within `timeout`.
    func expectAnswersFinish(timeout: Duration = .seconds(90)) async throws {
        try await eventually("every answer completed", timeout: timeout) {
            let open = try await blocking { [cluster] in
                try cluster.psql("SELECT count(*) FROM messages WHERE role = 'assistant' AND status <> 'completed'")
            }
            return open == "0"
        }
    }

    /// SIGTERM ends the server within its grace period, with status 0.
    func expectCleanStop() async throws {
        let start = ContinuousClock.now
        let status = try await server.stop(signal: SIGTERM, timeout: .seconds(20))
        #expect(status == 0)
        #expect(ContinuousClock.now - start < .seconds(15), "SIGTERM took \(ContinuousClock.now - start)")
    }

    func finish() {
        try? cluster.stop()
    }
}
