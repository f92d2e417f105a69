import Foundation
import NIOCore

/// Closed-loop users as an app has them: each holds a live `/shape` poll on
/// its own conversation through the gatekeeper, sends a question, waits until
/// the send's txid arrives on that poll, and sends the next.
struct ClosedLoop {
    let users: Int
    let warmUp: Duration
    let measure: Duration

    struct Outcome {
        /// Sends confirmed by the sync stream during the measured window.
        var confirmed = 0
        var latencies = Samples()
        var seconds = 0.0
        /// The server's CPU seconds in the measured window.
        var serverCPUSeconds = 0.0
        var serverPeakRSS = 0

        var rate: Double { Double(confirmed) / seconds }
        var cpuMillisecondsPerSend: Double { serverCPUSeconds * 1000 / Double(max(1, confirmed)) }
    }

    func run(against server: ServeProcess) async throws -> Outcome {
        let client = BenchmarkClient(baseURL: server.baseURL, secret: ServeProcess.secret, connections: users * 2 + 16)
        defer { Task { await client.shutdown() } }
        let board = TxidBoard()
        // Set-up: each user's conversation, shape token and live follower.
        let sessions = try await withThrowingTaskGroup(of: UserSession.self) { group in
            for index in 0..<users {
                group.addTask { try await UserSession.open(index, server: server, client: client) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let followers = sessions.map { session in
            Task { try await BenchmarkScenario.follow(client, token: session.shapeToken, into: board, following: session.index) }
        }
        defer { for follower in followers { follower.cancel() } }
        try await board.waitUntilFollowing(count: users)

        let start = ContinuousClock.now
        let measureFrom = start + warmUp, end = measureFrom + measure
        let (results, before) = try await withThrowingTaskGroup(of: (Int, Samples).self) { group in
            for session in sessions {
                group.addTask {
                    var confirmed = 0, latencies = Samples(), sequence = 0
                    while ContinuousClock.now < end {
                        sequence += 1
                        let sent = ContinuousClock.now
                        let txid = try await session.send(sequence, client: client)
                        try await board.wait(for: txid)
                        if sent >= measureFrom {
                            confirmed += 1
                            latencies.add(ContinuousClock.now - sent)
                        }
                    }
                    return (confirmed, latencies)
                }
            }
            try await Task.sleep(until: measureFrom, clock: .continuous)
            let before = server.usage
            var outcome = Outcome()
            for try await (confirmed, latencies) in group {
                outcome.confirmed += confirmed
                outcome.latencies.merge(latencies)
            }
            return (outcome, before)
        }
        var outcome = results
        let after = server.usage
        outcome.seconds = (ContinuousClock.now - measureFrom).secondsValue
        outcome.serverCPUSeconds = after.cpuSeconds - before.cpuSeconds
        outcome.serverPeakRSS = after.peakResidentBytes
        return outcome
    }
}

/// One closed-loop user: their auth token, conversation and shape token.
struct UserSession: Sendable {
    let index: Int
    let authHeaders: [(String, String)]
    let shapeToken: String

    var conversation: String { "c-u\(index)" }

    static func open(_ index: Int, server: ServeProcess, client: BenchmarkClient) async throws -> UserSession {
        let token = try await server.authToken("user-\(index)")
        let auth = [("authorization", "Bearer \(token)"), ("content-type", "application/json")]
        let created = try await client.send("/conversations", method: .POST, headers: auth, body: #"{"id":"c-u\#(index)","title":"Bench"}"#)
        guard created.status == 200 || created.status == 201 else { throw BenchmarkError("creating a conversation answered \(created.status)") }
        let granted = try await client.send(
            "/shapes/auth-token", method: .POST, headers: auth, body: #"{"table":"messages","params":{"conversationId":"c-u\#(index)"}}"#)
        guard let object = try JSONSerialization.jsonObject(with: Data(granted.body.readableBytesView)) as? [String: Any],
            let shapeToken = object["token"] as? String
        else { throw BenchmarkError("no shape token: \(String(buffer: granted.body).prefix(200))") }
        return UserSession(index: index, authHeaders: auth, shapeToken: shapeToken)
    }

    /// Sends question `sequence`; returns the txid the API answered.
    func send(_ sequence: Int, client: BenchmarkClient) async throws -> Int {
        let id = "u\(index)-\(sequence)"
        let body = #"{"conversationId":"\#(conversation)","questionId":"q-\#(id)","answerId":"a-\#(id)","content":"How do I mint a shape token?"}"#
        let sent = try await client.send("/questions/send", method: .POST, headers: authHeaders, body: body)
        guard sent.status == 200 || sent.status == 201,
            let reply = try JSONSerialization.jsonObject(with: Data(sent.body.readableBytesView)) as? [String: Any],
            let txid = reply["txid"] as? Int
        else { throw BenchmarkError("send answered \(sent.status): \(String(buffer: sent.body).prefix(200))") }
        return txid
    }
}
