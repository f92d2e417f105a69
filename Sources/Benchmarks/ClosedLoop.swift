import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

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
        /// The load generator's (this process's) CPU seconds in the window.
        var loadCPUSeconds = 0.0

        var rate: Double { Double(confirmed) / seconds }
        var cpuMillisecondsPerSend: Double { serverCPUSeconds * 1000 / Double(max(1, confirmed)) }
        var loadCPUMillisecondsPerSend: Double { loadCPUSeconds * 1000 / Double(max(1, confirmed)) }
    }

    func run(against server: ServeProcess) async throws -> Outcome {
        let client = BenchmarkClient(baseURL: server.baseURL, secret: ServeProcess.secret, connections: users + 16)
        defer { Task { await client.shutdown() } }
        // Set-up through the ordinary client: each user's conversation and shape token.
        let sessions = try await withThrowingTaskGroup(of: UserSession.self) { group in
            for index in 0..<users {
                group.addTask { try await UserSession.open(index, server: server, client: client) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // The load itself: two connections per user on a small event loop group of its own.
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { loops.shutdownGracefully { _ in } }
        guard let address = URL(string: server.baseURL), let host = address.host, let port = address.port else {
            throw BenchmarkError("unexpected server address \(server.baseURL)")
        }
        var loadUsers: [ClosedLoopUser] = []
        for session in sessions {
            let loop = loops.next()
            let sender = try await LoopbackHTTPConnection.connect(host: host, port: port, on: loop).get()
            let follower = try await LoopbackHTTPConnection.connect(host: host, port: port, on: loop).get()
            loadUsers.append(ClosedLoopUser(session: session, eventLoop: loop, sender: sender, follower: follower))
        }
        defer { for user in loadUsers { user.eventLoop.execute { user.stop() } } }
        for user in loadUsers { user.eventLoop.execute { user.startFollowing(within: .seconds(60)) } }
        for user in loadUsers { try await user.following.futureResult.get() }

        let start = NIODeadline.now()
        let measureFrom = start + .nanoseconds(Int64(warmUp.secondsValue * 1e9))
        let end = measureFrom + .nanoseconds(Int64(measure.secondsValue * 1e9))
        for user in loadUsers { user.eventLoop.execute { user.send(measuringFrom: measureFrom, until: end) } }
        try await Task.sleep(for: warmUp)
        let measuredFrom = ContinuousClock.now
        let before = server.usage, loadBefore = ProcessUsage(pid: getpid())
        var outcome = Outcome()
        for user in loadUsers {
            let (confirmed, latencies) = try await user.finished.futureResult.get()
            outcome.confirmed += confirmed
            outcome.latencies.merge(latencies)
        }
        let after = server.usage, loadAfter = ProcessUsage(pid: getpid())
        outcome.seconds = (ContinuousClock.now - measuredFrom).secondsValue
        outcome.serverCPUSeconds = after.cpuSeconds - before.cpuSeconds
        outcome.loadCPUSeconds = loadAfter.cpuSeconds - loadBefore.cpuSeconds
        outcome.serverPeakRSS = after.peakResidentBytes
        return outcome
    }
}

/// One closed-loop user, run by callbacks on its event loop (touched only
/// there, hence the unchecked `Sendable`): a follower connection holding the
/// live poll, a sender connection, and the send whose txid it waits for.
final class ClosedLoopUser: @unchecked Sendable {
    let eventLoop: any EventLoop
    /// Succeeded once the follower is live.
    let following: EventLoopPromise<Void>
    /// Sends confirmed in the measured window and their latencies.
    let finished: EventLoopPromise<(Int, Samples)>

    private let session: UserSession
    private let sender: LoopbackHTTPConnection
    private let follower: LoopbackHTTPConnection
    private let sendHeaders: HTTPHeaders
    private let shapeHeaders: HTTPHeaders
    private var shape = (handle: "", offset: "-1", cursor: "")
    private var live = false, counted = false, stopped = false
    /// Txids the poll delivered before their send was answered.
    private var seen = Set<Int>()
    private var pending: Int?
    private var sequence = 0
    private var sentAt = NIODeadline.now()
    private var window = (from: NIODeadline.distantFuture, end: NIODeadline.distantPast)
    private var confirmed = 0
    private var latencies = Samples()
    private var timeout: Scheduled<Void>?

    init(session: UserSession, eventLoop: any EventLoop, sender: LoopbackHTTPConnection, follower: LoopbackHTTPConnection) {
        self.session = session
        self.eventLoop = eventLoop
        self.sender = sender
        self.follower = follower
        sendHeaders = HTTPHeaders(session.authHeaders)
        shapeHeaders = HTTPHeaders([("authorization", "Bearer \(session.shapeToken)")])
        following = eventLoop.makePromise()
        finished = eventLoop.makePromise()
    }

    /// Follows the conversation's shape; fails unless it is live within `limit`.
    func startFollowing(within limit: TimeAmount) {
        eventLoop.scheduleTask(in: limit) { [self] in
            if !counted { fail(BenchmarkError("user \(session.index): the shape never became live")) }
        }
        follow()
    }

    /// Follows the conversation's shape through the gatekeeper. A 409 starts
    /// over from the new handle, as Electric's clients do.
    private func follow() {
        var path = "/shape?offset=\(shape.offset)"
        if shape.offset != "-1" { path += "&handle=\(shape.handle)" }
        if live { path += "&live=true&cursor=\(shape.cursor)" }
        follower.request(.GET, path, headers: shapeHeaders) { [self] result in
            guard !stopped else { return }
            let answer: LoopbackHTTPConnection.Answer
            switch result {
            case .failure(let error): return fail(BenchmarkError("a live follower's connection failed: \(error)"))
            case .success(let value): answer = value
            }
            if answer.status == 409 {
                shape = (answer.headers.first(name: "electric-handle") ?? "", "-1", "")
                live = false
                return follow()
            }
            guard answer.status == 200 else {
                return fail(BenchmarkError("a live follower's /shape answered \(answer.status): \(String(buffer: answer.body).prefix(200))"))
            }
            shape.handle = answer.headers.first(name: "electric-handle") ?? shape.handle
            shape.offset = answer.headers.first(name: "electric-offset") ?? shape.offset
            shape.cursor = answer.headers.first(name: "electric-cursor") ?? shape.cursor
            for txid in answer.body.integers(after: #""txids":["#) {
                if txid == pending { confirm() } else { seen.insert(txid) }
            }
            if answer.headers.contains(name: "electric-up-to-date") {
                live = true
                if !counted {
                    counted = true
                    following.succeed()
                }
            }
            follow()
        }
    }

    /// Starts sending, one question at a time, until `end`; sends made before
    /// `from` are warm-up and not counted. Fails if a txid is not seen in 30 s.
    func send(measuringFrom from: NIODeadline, until end: NIODeadline) {
        window = (from, end)
        timeout = eventLoop.scheduleTask(deadline: end + .seconds(30)) { [self] in
            fail(BenchmarkError("user \(session.index): txid \(pending.map(String.init) ?? "?") was not seen on the live poll within 30 s"))
        }
        sendNext()
    }

    private func sendNext() {
        sequence += 1
        let id = "u\(session.index)-\(sequence)"
        let body = ByteBuffer(string: #"{"conversationId":"\#(session.conversation)","questionId":"q-\#(id)","answerId":"a-\#(id)","content":"How do I mint a shape token?"}"#)
        sentAt = .now()
        sender.request(.POST, "/questions/send", headers: sendHeaders, body: body) { [self] result in
            guard !stopped else { return }
            switch result {
            case .failure(let error):
                fail(BenchmarkError("a send's connection failed: \(error)"))
            case .success(let answer):
                guard answer.status == 200 || answer.status == 201, let txid = answer.body.integers(after: #""txid":"#).first else {
                    return fail(BenchmarkError("send answered \(answer.status): \(String(buffer: answer.body).prefix(200))"))
                }
                if seen.remove(txid) != nil { confirm() } else { pending = txid }
            }
        }
    }

    private func confirm() {
        pending = nil
        let now = NIODeadline.now()
        if sentAt >= window.from {
            confirmed += 1
            latencies.add(milliseconds: Double((now - sentAt).nanoseconds) / 1e6)
        }
        if now < window.end {
            sendNext()
        } else {
            stop(with: .success((confirmed, latencies)))
        }
    }

    private func fail(_ error: any Error) {
        stop(with: .failure(error))
    }

    /// Closes both connections and settles what is still open; later answers
    /// are ignored.
    func stop(with outcome: Result<(Int, Samples), any Error> = .failure(BenchmarkError("the closed loop was stopped"))) {
        guard !stopped else { return }
        stopped = true
        timeout?.cancel()
        sender.close()
        follower.close()
        if !counted, case .failure(let error) = outcome { following.fail(error) }
        finished.completeWith(outcome)
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
