import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fault for the exactly-once tests: `qactl serve` SIGKILLs itself right
/// after committing the question whose id is in `QACTL_TEST_KILL_AFTER_COMMIT`,
/// before answering, so the client sees its response lost although the write
/// is durable. Nothing else provokes that moment reliably from outside.
///
/// Only debug builds contain it (release builds, the ones users run, compile
/// it to nothing), and it fires only for that one question id.
enum CrashAfterCommit {
    #if DEBUG
    static let questionID: String? = ProcessInfo.processInfo.environment["QACTL_TEST_KILL_AFTER_COMMIT"].flatMap { $0.isEmpty ? nil : $0 }
    #endif

    /// Called once question `id` is committed, before the answer is written.
    static func questionCommitted(_ id: String) {
        #if DEBUG
        if let questionID, questionID == id { kill(getpid(), SIGKILL) }
        #endif
    }
}
