import Foundation
import PostgresHarness
import QACtlTestSupport
import Testing

/// qactl itself, or its replication connection, killed while users write.
@Suite(.serialized) struct CrashFaultTests {
    let dir = TemporaryDirectory()

    @Test(arguments: [false, true])
    func killedDuringABurstLosesAndRepeatsNothing(onPostgres: Bool) async throws {
        let scene = try await FaultScene.start(dataDirectory: dir.path, onPostgres: onPostgres)
        defer { scene.finish() }
        let follower = ShapeFollower(api: scene.api, token: scene.shapeToken)
        try await eventually("the follower is live") { follower.current.upToDate }
        let load = scene.load(count: 60, tag: "kill")
        try await eventually("writes are flowing") { load.current.acknowledged.count >= 30 }
        try await scene.server.stop(signal: SIGKILL)
        try await Task.sleep(for: .milliseconds(300))
        // Writers see refused connections meanwhile and send the same requests again.
        try await scene.server.restart()
        let tally = await load.finish()

        try await scene.expectEveryAcknowledgedWriteOnce(tally, follower: follower)
        try await scene.expectAnswersFinish()
        await follower.stop()
        try await scene.expectCleanStop()
    }

    @Test func aTerminatedWalsenderLosesAndRepeatsNothing() async throws {
        let scene = try await FaultScene.start(dataDirectory: dir.path)
        defer { scene.finish() }
        let follower = ShapeFollower(api: scene.api, token: scene.shapeToken)
        try await eventually("the follower is live") { follower.current.upToDate }
        let load = scene.load(count: 60, tag: "walsender")
        for round in 1...3 {
            try await eventually("writes are flowing") { load.current.acknowledged.count >= 20 * round }
            try await scene.terminateWalsender()
        }
        let tally = await load.finish()

        try await scene.expectEveryAcknowledgedWriteOnce(tally, follower: follower)
        #expect(follower.current.refetches == 0, "a reconnect is not a gap: no client refetches")
        await follower.stop()
        try await scene.expectCleanStop()
    }
}
