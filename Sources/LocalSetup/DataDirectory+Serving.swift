import Foundation
import Tokens

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Held while a `qactl serve` runs the sync service on a data dir: a second
/// one would run a second change feed over the same database (or the same
/// replication slot). Released when the process ends, however it ends.
public final class ServingLock: Sendable {
    private let descriptor: Int32

    fileprivate init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}

/// Why the data dir cannot be served.
public struct DataDirectoryError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}

extension DataDirectory {
    /// `serve.lock`: who runs the sync service here.
    public var servingLockPath: String { path + "/serve.lock" }

    /// Takes the serving lock (creating the data dir, 0700, if needed), or
    /// says which process holds it.
    public func lockForServing() throws(DataDirectoryError) -> ServingLock {
        try createIfMissing()
        let descriptor = open(servingLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw DataDirectoryError(description: "cannot open \(servingLockPath): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: servingLockPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            throw DataDirectoryError(
                description: "another qactl serve\(holder.isEmpty ? "" : " (pid \(holder))") runs the sync service on the data dir \(path); "
                    + "stop it, choose another --data-dir, or run this one in front of it with --electric-url")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return ServingLock(descriptor: descriptor)
    }

    /// Whether a file can be created in the data dir now (it is not read-only,
    /// the disk is not full of inodes, the permissions allow it); the reason when not.
    public func writabilityProblem() -> String? {
        let probe = path + "/.write-probe-\(getpid())"
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return "the data dir \(path) is not writable: \(String(cString: strerror(errno)))" }
        let written = write(descriptor, "x", 1)
        let failure = written == 1 ? nil : String(cString: strerror(errno))
        close(descriptor)
        unlink(probe)
        return failure.map { "the data dir \(path) is not writable: \($0)" }
    }

    /// Creates the data dir and its missing parents, each 0700.
    public func createIfMissing() throws(DataDirectoryError) {
        do {
            try KeyStore.createPrivateDirectory(path)
        } catch {
            throw DataDirectoryError(description: "cannot create the data dir: \(error.description)")
        }
    }
}
