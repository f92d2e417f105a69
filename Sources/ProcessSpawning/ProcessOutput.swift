import Foundation
import Synchronization

/// What a ``SpawnedProcess`` writes to its `.pipe` standard output and error,
/// collected as it arrives (each on a ``PipeFollower`` of its own).
///
/// ```swift
/// let child = try SpawnedProcess("/bin/ls", [], standardOutput: .pipe, standardError: .pipe)
/// let output = ProcessOutput(of: child)
/// _ = child.waitBlocking()
/// output.waitUntilEnd()
/// print(output.standardOutput)
/// ```
public final class ProcessOutput: Sendable {
    private let output = Collected()
    private let errors = Collected()
    private let outputFollower: PipeFollower?
    private let errorFollower: PipeFollower?

    /// Starts reading `process`'s `.pipe` streams (the others stay empty).
    public init(of process: SpawnedProcess) {
        outputFollower = process.standardOutput.map { [output] fd in PipeFollower.follow(descriptor: fd, output.append) }
        errorFollower = process.standardError.map { [errors] fd in PipeFollower.follow(descriptor: fd, errors.append) }
    }

    public var standardOutputData: Data { output.data }
    public var standardOutput: String { String(decoding: standardOutputData, as: UTF8.self) }
    public var standardError: String { String(decoding: errors.data, as: UTF8.self) }

    /// Whether both streams ended (every chunk is in).
    public var hasEnded: Bool { (outputFollower?.hasEnded ?? true) && (errorFollower?.hasEnded ?? true) }

    /// Waits until both streams ended: the child and anything it started let go of them.
    public func waitUntilEnd() {
        outputFollower?.waitUntilEnd()
        errorFollower?.waitUntilEnd()
    }

    /// Waits (polling) until both streams ended or `limit` passed; whether they ended.
    @discardableResult
    public func waitUntilEnd(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while !hasEnded, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        return hasEnded
    }

    /// Stops reading standard output and closes it, as `| head -1` does once it has its line.
    public func closeStandardOutput() {
        outputFollower?.stop()
    }
}

/// Bytes one reader thread appends while others read.
private final class Collected: Sendable {
    private let bytes = Mutex(Data())

    func append(_ chunk: Data) { bytes.withLock { $0.append(chunk) } }
    var data: Data { bytes.withLock { $0 } }
}
