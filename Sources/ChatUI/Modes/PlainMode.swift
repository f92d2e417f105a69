import Foundation
import LocalSetup
import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The line mode, when stdin or stdout is not a terminal (or with `--json`):
/// reads questions and commands a line at a time, prints each change as it
/// happens (a line of text, or a JSON object).
///
/// At end of input it waits (up to `--timeout`) for the conversation to sync and
/// for its questions' answers, so
/// `echo "How do shapes work?" | qactl chat --user alice` prints the answer.
struct PlainMode {
    let settings: ChatSettings
    let identity: ChatIdentity
    let output: LineWriter

    private enum Input {
        case line(String)
        case endOfInput
        case signal(UnixSignal)
        /// The wait for answers after the end of input ended.
        case drained(Result<Void, any Error>)
    }

    func run() async throws {
        let session = ChatSession(server: settings.server, identity: identity, replicaDirectory: settings.replicaDirectory)
        let printer = startPrinter(await session.states(latestOnly: false))
        do {
            try await session.connect(failFast: false, monitor: true)
            try await session.open(settings.choice, timeout: settings.timeout)
            try await converse(with: session)
        } catch {
            await session.closeWithin()
            await printer.value
            throw error
        }
        await session.closeWithin()
        await printer.value
    }

    /// Prints the events between consecutive states until the session closes.
    private func startPrinter(_ states: AsyncStream<ChatState>) -> Task<Void, Never> {
        let json = settings.json
        let server = settings.server
        let output = output
        return Task {
            var previous: ChatState?
            for await state in states {
                for event in ChatEvent.changes(from: previous, to: state) {
                    if json {
                        output.line(EventFormatter.json(event))
                    } else if let text = EventFormatter.text(event, server: server) {
                        output.line(text)
                    }
                }
                previous = state
            }
        }
    }

    private func converse(with session: ChatSession) async throws {
        let (inputs, continuation) = AsyncStream.makeStream(of: Input.self)
        let signals = await SignalStream([.sigint, .sigterm, .sighup])
        defer { signals.stop() }
        let readers = [
            Task {
                for await line in LineReader.standardInput() { continuation.yield(.line(line)) }
                continuation.yield(.endOfInput)
            },
            Task {
                for await signal in signals.signals { continuation.yield(.signal(signal)) }
            },
        ]
        // The wait for answers runs beside the signal reader, so that a signal still ends it.
        var draining: Task<Void, Never>?
        defer {
            for reader in readers { reader.cancel() }
            draining?.cancel()
        }
        for await input in inputs {
            switch input {
            case .line(let line):
                guard draining == nil, let parsed = ChatInput.parse(line) else { continue }
                if !(await session.handle(parsed)) { return }
            case .endOfInput:
                draining = Task {
                    do {
                        try await drain(session)
                        continuation.yield(.drained(.success(())))
                    } catch {
                        continuation.yield(.drained(.failure(error)))
                    }
                }
            case .drained(let result):
                return try result.get()
            case .signal(let signal):
                guard draining != nil else { return }
                let waiting = Self.unsettled(await session.state)
                if waiting == 0 { return }
                throw ChatError(
                    .failure,
                    "interrupted by \(signal) while waiting for \(waiting) answer\(waiting == 1 ? "" : "s"); the server goes on with \(waiting == 1 ? "it" : "them"), and queued questions stay in the outbox")
            }
        }
    }

    /// How many questions sent are not settled: not rolled back, and not
    /// confirmed with their answer completed or failed.
    private static func unsettled(_ state: ChatState) -> Int {
        state.sends.count { send in
            switch send.phase {
            case .pending, .queued: return true
            case .failed: return false
            case .confirmed:
                guard send.conversationID == state.conversation?.id else { return false }
                return state.messages.first { $0.id == send.answerID }?.isInProgress ?? true
            }
        }
    }

    /// Waits until every question sent is settled: rolled back, or confirmed
    /// with its answer completed or failed.
    private func drain(_ session: ChatSession) async throws {
        let deadline = ContinuousClock.now + settings.timeout
        // What the server has is shown before exiting, so piped output does not
        // depend on how soon the input ended (offline, the replica is all there is).
        if !(await session.isOffline) { try await session.waitUntilSynced(deadline: deadline) }
        while true {
            let state = await session.state
            // Every queued write goes out before the end, not only this conversation's:
            // conversations started offline, and questions in ones not open.
            // The outbox is read only once nothing on screen is pending, or at the deadline.
            if Self.unsettled(state) == 0, await session.queuedWrites() == (0, 0) { return }
            if ContinuousClock.now >= deadline {
                let queued = await session.queuedWrites()
                if queued != (0, 0) {
                    let what = [
                        queued.conversations > 0 ? "\(queued.conversations) new conversation\(queued.conversations == 1 ? "" : "s")" : nil,
                        queued.questions > 0 ? "\(queued.questions) question\(queued.questions == 1 ? "" : "s")" : nil,
                    ].compactMap { $0 }.joined(separator: " and ")
                    throw ChatError(
                        .timedOut,
                        "end of input: \(what) still queued after \(AskMode.format(settings.timeout)) (the server does not answer); they stay in the outbox and go out the next time qactl chat runs")
                }
                throw ChatError(.timedOut, "end of input: answers still incomplete after \(AskMode.format(settings.timeout))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
