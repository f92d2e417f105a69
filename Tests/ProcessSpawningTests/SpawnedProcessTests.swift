import Foundation
import ProcessSpawning
import Synchronization
import Testing

/// Children started by ``SpawnedProcess``: what they get, how their end is seen.
@Suite struct SpawnedProcessTests {
    /// Runs `/bin/sh -c script` to its end; its output and how it ended.
    private func shell(
        _ script: String, input: String? = nil, environment: [String: String]? = nil, directory: String? = nil
    ) async throws -> (output: String, ended: SpawnedProcess.Termination) {
        let child = try SpawnedProcess(
            "/bin/sh", ["-c", script], environment: environment, directory: directory,
            standardInput: input == nil ? .null : .pipe, standardOutput: .pipe, standardError: .pipe)
        let output = Mutex(Data())
        let follower = PipeFollower.follow(descriptor: child.standardOutput!) { data in output.withLock { $0.append(data) } }
        PipeFollower.follow(descriptor: child.standardError!) { _ in }
        if let input {
            child.writeInput(Array(input.utf8))
            child.closeInput()
        }
        let ended = await child.wait()
        follower.waitUntilEnd()
        return (String(decoding: output.withLock { $0 }, as: UTF8.self), ended)
    }

    @Test func exitStatusSignalInputDirectoryAndEnvironmentReachTheChild() async throws {
        #expect(try await shell("exit 3").ended == .exited(3))
        let echoed = try await shell("cat; pwd; echo \"$GREETING\"", input: "typed\n", environment: ["GREETING": "hello"], directory: "/tmp")
        #expect(echoed.output == "typed\n/tmp\nhello\n")
        #expect(echoed.ended == .exited(0))

        let sleeper = try SpawnedProcess("/bin/sleep", ["30"])
        #expect(sleeper.isRunning)
        sleeper.signal(SIGTERM)
        #expect(await sleeper.wait() == .signalled(SIGTERM))
        // Once reaped, its pid may belong to someone else: no signal goes out any more.
        sleeper.signal(SIGKILL)
        #expect(sleeper.termination == .signalled(SIGTERM))
    }

    @Test func theChildInheritsNoDescriptorButItsStandardStreams() async throws {
        let open = try CloseOnExecPipe()
        defer { close(open.readEnd); close(open.writeEnd) }
        let leaky = Foundation.open("/dev/null", O_RDONLY)  // without close-on-exec, as some libraries open files
        defer { close(leaky) }
        let listed = try await shell("ls /proc/self/fd")
        let descriptors = Set(listed.output.split(separator: "\n").compactMap { Int32($0) })
        // 0, 1, 2, and the one ls opened to read the directory.
        #expect(!descriptors.contains(open.readEnd) && !descriptors.contains(open.writeEnd) && !descriptors.contains(leaky))
        #expect(descriptors.count <= 4, "\(descriptors.sorted())")
    }

    /// Foundation's `Process` on Linux misses this: a child's end is learnt from a socket
    /// that a sibling spawned at the same moment can inherit and hold open.
    @Test func aChildsEndIsSeenWhileSiblingsStartedAtTheSameTimeStillRun() async throws {
        let siblings = Mutex<[SpawnedProcess]>([])
        let spawning = Atomic<Bool>(true)
        let spawnerDone = DispatchSemaphore(value: 0)
        let spawner = Thread {
            defer { spawnerDone.signal() }
            // Up to 200 at a time: enough to overlap every spawn below, few enough for a small machine.
            while spawning.load(ordering: .relaxed), siblings.withLock({ $0.count }) < 200 {
                if let sibling = try? SpawnedProcess("/bin/sleep", ["60"], standardOutput: .pipe) {
                    siblings.withLock { $0.append(sibling) }
                }
                usleep(2_000)
            }
        }
        spawner.start()
        defer {
            spawning.store(false, ordering: .relaxed)
            spawnerDone.wait()
            for sibling in siblings.withLock({ $0 }) {
                sibling.signal(SIGKILL)
                _ = sibling.waitBlocking()
                if let fd = sibling.standardOutput { close(fd) }
            }
        }
        for _ in 0..<100 {
            let child = try SpawnedProcess("/bin/echo", ["done"], standardOutput: .pipe)
            let ended = Atomic<Bool>(false)
            let follower = PipeFollower.follow(descriptor: child.standardOutput!) { _ in }
            // Each wait has its own deadline, well under the siblings' 60 s: a loaded
            // machine may take seconds to run `echo`, but only a leak takes a minute.
            var deadline = ContinuousClock.now + .seconds(20)
            while child.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(child.termination == .exited(0))
            // The output ends with the child, not with a sibling that holds the pipe.
            Thread { follower.waitUntilEnd(); ended.store(true, ordering: .relaxed) }.start()
            deadline = ContinuousClock.now + .seconds(20)
            while !ended.load(ordering: .relaxed), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            let outputEnded = ended.load(ordering: .relaxed)
            #expect(outputEnded, "the output of a finished child never ended")
            if !outputEnded { follower.stop() }
        }
    }
}
