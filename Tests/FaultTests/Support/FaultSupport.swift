import Foundation
import PostgresHarness
import QACtlTestSupport
import Testing

/// A `qactl serve` with alice's conversation and shape token, on the
/// embedded store or on a throwaway PostgreSQL cluster of its own (these
/// tests restart and break it).
struct FaultScene {
    let postgres: PostgresCluster?
    let server: TestServer
    let api: ServerAPI
    let alice: String
    let shapeToken: String
    static let conversation = "c-faults"

    /// The cluster, for the PostgreSQL cases.
    var cluster: PostgresCluster { postgres! }

    static func start(dataDirectory: String, onPostgres: Bool = true, environment: [String: String] = [:]) async throws -> FaultScene {
        let cluster = onPostgres ? try await blocking { try PostgresCluster.start() } : nil
        let database = cluster.map { ["--database-url", $0.url + "?sslmode=disable"] } ?? []
        let server = try await TestServer.start(
            dataDirectory: dataDirectory, arguments: database + ["--log-level", "info"], environment: environment)
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        try await api.conversation(conversation, token: alice)
        guard let token = try await api.shapeToken(table: "messages", params: ["conversationId": conversation], token: alice).1 else {
            throw TestFailure("no shape token")
        }
        return FaultScene(postgres: cluster, server: server, api: api, alice: alice, shapeToken: token)
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

    /// Every answer ends completed (none left pending or streaming) within
    /// `timeout`, as a fresh sync shows it.
    func expectAnswersFinish(timeout: Duration = .seconds(90)) async throws {
        try await eventually("every answer completed", timeout: timeout) {
            var state = ServerAPI.Follow()
            try await api.catchUp(&state, token: shapeToken)
            var status: [String: String] = [:]
            for message in state.messages {
                guard let value = message["value"] as? [String: Any], let id = value["id"] as? String else { continue }
                if let text = value["status"] as? String { status[id] = text }
                if (message["headers"] as? [String: Any])?["operation"] as? String == "delete" { status[id] = nil }
            }
            return !status.isEmpty && status.filter { $0.key.hasPrefix("a-") }.values.allSatisfy { $0 == "completed" }
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
        try? postgres?.stop()
    }
}
