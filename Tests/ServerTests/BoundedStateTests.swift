import Foundation
import AsyncHTTPClient
import GRDB
import QACtlTestSupport
import Testing

/// What keeps a long-running `qactl serve` bounded: admission control, shape
/// expiry (TTL and LRU) and change-log compaction, each against a real server.
@Suite(.serialized) struct BoundedStateTests {
    let dir = TemporaryDirectory()

    func shape(_ user: String) -> [(String, String)] {
        [("table", "conversations"), ("where", "user_id = $1"), ("params[1]", user)]
    }

    @Test func liveRequestsOverTheLimitGet503WithRetryAfterAndThenRecover() async throws {
        let server = try await ServeProcess.start(
            dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret", "--max-live-requests", "2", "--long-poll-timeout", "20s"])
        let data = try TestData(server: server)
        try await data.conversation("c-1", user: "alice")
        let client = ShapeClient(server: server)
        let subscription = try await client.subscribe(shape("alice"))
        let parked = [client.livePoll(subscription), client.livePoll(subscription)]
        try await eventually("two polls parked") {
            try await HTTP.send(server.baseURL + "/metrics").body.contains("qactl_shape_live_polls 2")
        }

        var third = subscription
        let refused = try await client.poll(&third, live: true)
        #expect(refused.status == 503)
        let retryAfter = try #require(refused.header("retry-after").flatMap(Int.init))
        #expect((5...10).contains(retryAfter))
        #expect(refused.header("cache-control") == "no-store")
        #expect(refused.json["code"] as? String == "concurrent_request_limit_exceeded")
        #expect((refused.json["error"] as? [String: Any])?["code"] as? String == "concurrent_request_limit_exceeded")
        // A catch-up request is not limited, and nothing was lost meanwhile.
        var catchUp = subscription
        #expect(try await client.poll(&catchUp, live: false).status == 200)

        try await data.conversation("c-2", user: "alice")
        var again = subscription
        for poll in parked {
            let (answer, moved) = try await poll.value
            #expect(answer.status == 200)
            #expect(answer.changes.count == 1)
            again = moved
        }
        // The slots are free again: a live request is served (not refused) and gets the next change.
        let live = Task { [again] in
            var copy = again
            return (try await client.poll(&copy, live: true), copy)
        }
        try await Task.sleep(for: .milliseconds(300))
        try await data.conversation("c-3", user: "alice")
        let (answer, next) = try await live.value
        #expect(answer.status == 200)
        var caughtUp = next
        if caughtUp.rows.count < 3 { try await client.poll(&caughtUp, live: true) }
        #expect(Set(caughtUp.rows.keys).count == 3)
        try await server.stop()
    }

    @Test func aShapeNobodyReadsExpiresAndItsClientRefetchesEverything() async throws {
        // 3 s: long enough that a busy machine does not expire the shape between
        // two requests of one initial sync.
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret", "--shape-ttl", "3s"])
        let data = try TestData(server: server)
        try await data.conversation("c-1", user: "alice")
        let client = ShapeClient(server: server)
        var subscription = try await client.subscribe(shape("alice"))
        let oldHandle = subscription.handle
        try await data.conversation("c-2", user: "alice")
        try await Task.sleep(for: .seconds(6))

        // The client comes back with its old handle: told to refetch, it gets every row once.
        let answer = try await client.poll(&subscription, live: false)
        #expect(answer.status == 409)
        var fresh = try await client.subscribe(shape("alice"))
        #expect(fresh.handle != oldHandle)
        #expect(Set(fresh.rows.keys) == ["\"public\".\"conversations\"/\"c-1\"", "\"public\".\"conversations\"/\"c-2\""])
        #expect(fresh.operations.count == 2)
        // And it is live from there.
        let live = client.livePoll(fresh)
        try await Task.sleep(for: .milliseconds(200))
        try await data.conversation("c-3", user: "alice")
        let (next, moved) = try await live.value
        fresh = moved
        #expect(next.status == 200)
        #expect(fresh.rows.count == 3)
        try await server.stop()
    }

    @Test func beyondMaxShapesTheLeastRecentlyReadIsDropped() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret", "--max-shapes", "2"])
        let data = try TestData(server: server)
        for user in ["alice", "bob", "carol"] { try await data.conversation("c-\(user)", user: user) }
        let client = ShapeClient(server: server)
        var alice = try await client.subscribe(shape("alice"))
        try await Task.sleep(for: .milliseconds(20))
        var bob = try await client.subscribe(shape("bob"))
        try await Task.sleep(for: .milliseconds(20))
        _ = try await client.subscribe(shape("carol"))

        #expect(try await client.poll(&bob, live: false).status == 200)
        #expect(try await client.poll(&alice, live: false).status == 409)
        let again = try await client.subscribe(shape("alice"))
        #expect(again.rows.keys.sorted() == ["\"public\".\"conversations\"/\"c-alice\""])
        try await server.stop()
    }

    @Test func compactionKeepsWhatShapesNeedAcrossARestart() async throws {
        var server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret", "--shape-ttl", "5s"])
        var data = try TestData(server: server)
        for index in 0..<40 { try await data.conversation("old-\(index)", user: "bob") }
        try await data.conversation("c-1", user: "alice")
        var client = ShapeClient(server: server)
        // Once the feed has applied those writes, a new shape replays from after them.
        try await eventually("the feed caught up") {
            var bob = try await client.subscribe(shape("bob"))
            try await client.poll(&bob, live: false)
            return bob.rows.count == 40
        }
        var subscription = try await client.subscribe(shape("alice"))
        try await data.conversation("c-2", user: "alice")
        try await eventually("c-2 arrived") {
            try await client.poll(&subscription, live: false)
            return subscription.rows.count == 2
        }

        // What came before the shape was made goes (the feed may have been a
        // few writes behind then); the shape's own history stays.
        let changes = try DatabaseQueue(path: dir.path + "/qactl.sqlite")
        try await eventually("the change log compacted", timeout: .seconds(4)) {
            try await changes.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM _qactl_changes") ?? 0 } < 10
        }
        try await server.stop()
        try await data.conversation("c-3", user: "alice")

        server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret", "--shape-ttl", "5s"])
        data = try TestData(server: server)
        client = ShapeClient(server: server)
        let answer = try await client.poll(&subscription, live: false)
        #expect(answer.status == 200, "\(server.stderr)")
        #expect(answer.changes.map { $0["key"] as? String } == ["\"public\".\"conversations\"/\"c-3\""])
        #expect(subscription.rows.count == 3)
        #expect(subscription.operations.count == 3)
        // A new client gets every row once, and the numbering of new writes goes on.
        let fresh = try await client.subscribe(shape("alice"))
        #expect(fresh.operations.count == 3)
        let live = client.livePoll(fresh)
        try await Task.sleep(for: .milliseconds(200))
        try await data.conversation("c-4", user: "alice")
        let (next, _) = try await live.value
        #expect(next.changes.count == 1)
        try await server.stop()
    }

    @Test func tenThousandPollsThatTimeOutOrLoseTheirClientLeaveNothingBehind() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret", "--long-poll-timeout", "1s"])
        let data = try TestData(server: server)
        try await data.conversation("c-1", user: "alice")
        let client = ShapeClient(server: server)
        let subscription = try await client.subscribe(shape("alice"))
        var parameters = shape("alice") + [("offset", subscription.offset), ("handle", subscription.handle ?? ""), ("live", "true")]
        parameters.append(("cursor", "0"))
        let url = client.url(parameters)
        let pid = try #require(server.pid)
        // A pool as wide as the polls (the shared client keeps 8 connections per host). Its idle
        // connections close well before the server's 30 s idle timeout: a request sent on one just as
        // the server closes it fails with `remoteConnectionClosed`, which a loaded CI run once hit.
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(10), concurrentHTTP1ConnectionsPerHostSoftLimit: 1_100)
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        defer { Task { try? await http.shutdown() } }

        /// `count` live polls, `width` at a time; a client that gives up after
        /// `patience` closes its connection while the poll is parked.
        func polls(_ count: Int, width: Int, patience: Duration?) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    if index >= width { try await group.next() }
                    group.addTask {
                        var request = HTTPClientRequest(url: url)
                        request.method = .GET
                        if let patience {
                            _ = try? await http.execute(request, timeout: .nanoseconds(Int64(patience.components.attoseconds / 1_000_000_000) + patience.components.seconds * 1_000_000_000))
                        } else {
                            let response = try await http.execute(request, timeout: .seconds(10))
                            _ = try await response.body.collect(upTo: 1 << 20)
                            #expect(response.status.code == 200)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        /// 10,000 polls, half of them abandoned, then a check that none is left parked.
        func round() async throws {
            try await polls(5_000, width: 500, patience: nil)
            try await polls(5_000, width: 500, patience: .milliseconds(300))
            try await eventually("no poll left parked", timeout: .seconds(10)) {
                try await HTTP.send(server.baseURL + "/metrics").body.contains("qactl_shape_live_polls 0")
            }
            try await Task.sleep(for: .seconds(2))
        }
        // A warm-up round of the same size and width, so that what is measured after is growth, not
        // the high-water mark (which depends on how far the load outruns the server on a busy machine).
        try await round()
        let before = try ProcessMemory.resident(pid)
        try await round()
        let after = try ProcessMemory.resident(pid)
        print("RSS over 10,000 polls after a warm-up round: \(before >> 20) MB → \(after >> 20) MB")
        #expect(after - before < 16 << 20, "RSS grew by \((after - before) >> 20) MB over 10,000 polls")
        // And the shape still works.
        let live = client.livePoll(subscription)
        try await Task.sleep(for: .milliseconds(200))
        try await data.conversation("c-2", user: "alice")
        let (answer, _) = try await live.value
        #expect(answer.changes.count == 1)
        try await server.stop()
    }
}

/// A process's resident memory, from /proc.
enum ProcessMemory {
    static func resident(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap({ Int($0) })
        else { throw TestFailure("no VmRSS for \(pid)") }
        return kilobytes * 1024
    }
}
