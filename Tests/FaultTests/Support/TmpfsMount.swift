import Foundation
import PostgresHarness
import QACtlTestSupport

/// A small tmpfs mounted on a temp dir, to give a data dir a real read-only
/// or full file system. Needs root (mount); ``isAvailable`` says whether this
/// machine allows it, and the tests that need it are skipped otherwise.
final class TmpfsMount: Sendable {
    let path: String

    static let isAvailable: Bool = {
        guard geteuid() == 0, let probe = try? TmpfsMount(kilobytes: 64) else { return false }
        probe.unmount()
        return true
    }()

    init(kilobytes: Int) throws {
        path = NSTemporaryDirectory() + "/qactl-tmpfs-" + UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k,mode=0700", "tmpfs", path])
    }

    func remount(readOnly: Bool) throws {
        try Self.run("/bin/mount", ["-o", "remount,\(readOnly ? "ro" : "rw")", path])
    }

    func unmount() {
        try? Self.run("/bin/umount", ["-l", path])
        try? FileManager.default.removeItem(atPath: path)
    }

    deinit { unmount() }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        try CommandRunner.check(tool, arguments)
    }
}

/// `qactl serve` expected to refuse to start: its exit status and what it said.
func serveRefusal(dataDirectory: String, arguments: [String] = []) throws -> (status: Int32, stderr: String) {
    do {
        let run = try CommandRunner.run(
            TestServer.executable, ["serve", "--listen", "127.0.0.1:0", "--data-dir", dataDirectory] + arguments, timeout: .seconds(20))
        return (run.status, run.stderr)
    } catch let error as PostgresHarnessError where error.code == .commandTimedOut {
        throw TestFailure("qactl serve started instead of refusing: \(error)")
    }
}
