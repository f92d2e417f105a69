import Foundation
import QACtlSync

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A local replica held for one collection, with an exclusive `flock` on a
/// lock file beside it: two chat processes of the same user on the same
/// conversation would otherwise write one SQLite file at once. The second one
/// runs without a replica instead.
final class ReplicaHandle: Sendable {
    let replica: LocalReplica
    private let lockDescriptor: Int32

    private init(replica: LocalReplica, lockDescriptor: Int32) {
        self.replica = replica
        self.lockDescriptor = lockDescriptor
    }

    /// The replica for `identity` in `directory`, or nil and the reason to tell the user
    /// (`heldElsewhere`: another chat process holds it).
    static func acquire(directory: String, identity: ReplicaIdentity) -> (handle: ReplicaHandle?, problem: String?, heldElsewhere: Bool) {
        let expanded: String
        do {
            expanded = try LocalReplica.prepareDirectory(directory)
        } catch {
            return (nil, "no local replica: \(error)", false)
        }
        let lockPath = (expanded as NSString).appendingPathComponent(identity.fileName + ".lock")
        let descriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            return (nil, "no local replica: cannot open \(lockPath): \(String(cString: strerror(errno)))", false)
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return (nil, "another qactl chat is using this conversation's local replica; this one keeps nothing between runs", true)
        }
        do {
            let replica = try LocalReplica.open(directory: expanded, identity: identity)
            return (ReplicaHandle(replica: replica, lockDescriptor: descriptor), nil, false)
        } catch let error as ReplicaError where error.isDamaged {
            // Held under the lock: nobody else uses the file. Kept for whoever wants to look, not reused.
            let path = (expanded as NSString).appendingPathComponent(identity.fileName)
            let aside = path + ".damaged-\(Int(Date().timeIntervalSince1970))"
            for suffix in ["", "-wal", "-shm", "-journal"] where FileManager.default.fileExists(atPath: path + suffix) {
                try? FileManager.default.moveItem(atPath: path + suffix, toPath: aside + suffix)
            }
            let note = "\(error.message); moved it to \(aside) and started a fresh one (questions queued in it, if any, were not sent)"
            guard let replica = try? LocalReplica.open(directory: expanded, identity: identity) else {
                close(descriptor)
                return (nil, "no local replica: \(note)", false)
            }
            return (ReplicaHandle(replica: replica, lockDescriptor: descriptor), note, false)
        } catch {
            close(descriptor)
            return (nil, "no local replica: \(error)", false)
        }
    }

    deinit {
        // Closing the descriptor releases the lock.
        close(lockDescriptor)
    }
}
