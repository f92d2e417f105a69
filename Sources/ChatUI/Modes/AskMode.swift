import Foundation
import LocalSetup

/// `qactl chat --ask TEXT`: sends one question, waits for its answer and
/// prints it (text), or prints every state change of that exchange (`--json`).
/// Exits 0 on a completed answer, 1 on a failed one, 4 when `--timeout` runs out.
struct AskMode {
    let settings: ChatSettings
    let identity: ChatIdentity
    let question: String
    let output: LineWriter

    func run() async throws {
        let deadline = ContinuousClock.now + settings.timeout
        // The replica, for its outbox: questions queued earlier go out before this
        // one, in the order typed. (When another chat holds it, this one sends directly.)
        let session = ChatSession(server: settings.server, identity: identity, replicaDirectory: settings.replicaDirectory, sendTimeout: settings.timeout)
        // A signal ends the wait with a message and exit 1, as in tail-txid, rather than killing the process mid-line.
        let signals = await SignalStream([.sigint, .sigterm, .sighup])
        defer { signals.stop() }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await exchange(session, deadline: deadline) }
                group.addTask {
                    for await signal in signals.signals {
                        throw ChatError(.failure, "interrupted by \(signal) before the answer completed (a question already sent is still answered on the server)")
                    }
                }
                try await group.next()
                group.cancelAll()
            }
            await session.closeWithin()
        } catch {
            await session.closeWithin()
            throw error
        }
    }

    private func exchange(_ session: ChatSession, deadline: ContinuousClock.Instant) async throws {
        try await waitForServer(until: deadline)
        try await session.connect(failFast: true, monitor: false)
        let remaining = deadline - ContinuousClock.now
        try await session.open(settings.choice, timeout: remaining)
        try await session.waitUntilSynced(deadline: deadline)
        if settings.json, let conversation = await session.state.conversation {
            output.line(EventFormatter.json(.conversation(conversation)))
        }
        let states = await session.states(latestOnly: false)
        guard let send = await session.send(question, timeout: max(.milliseconds(1), deadline - ContinuousClock.now)) else {
            let reason = await session.state.notices.last?.text ?? "the question was not sent"
            throw ChatError(.failure, reason)
        }
        let outcome = try await follow(send, in: states, until: deadline)
        switch outcome {
        case .completed(let content):
            if !settings.json { output.line(AnswerMarkdown.plain(TextLayout.sanitize(content))) }
        case .failed(let content):
            throw ChatError(.failure, "the answer failed: \(content)")
        case .rolledBack(let error):
            throw error
        case .timedOut(let status):
            if case .queued? = await session.state.sends.last(where: { $0.questionID == send.questionID })?.phase {
                throw ChatError(
                    .timedOut,
                    "no answer within \(Self.format(settings.timeout)): the question is still queued (the server cannot be reached); it stays in the outbox and goes out the next time qactl chat runs")
            }
            throw ChatError(.timedOut, "no complete answer within \(Self.format(settings.timeout)) (the answer is \(status))")
        }
    }

    /// A server that is down (restarting, or not started yet) gets until the deadline to come back.
    private func waitForServer(until deadline: ContinuousClock.Instant) async throws {
        let probe = ConnectionProbe(server: settings.server)
        var told = false
        while let problem = await probe.problem() {
            guard ContinuousClock.now < deadline else {
                throw ChatError(
                    .timedOut, "cannot reach \(settings.server) within \(Self.format(settings.timeout)) (\(problem)); is `qactl serve` running there?")
            }
            if !told {
                if settings.json { output.line(EventFormatter.json(.connection(.offline))) }
                // Not silent for the whole wait: say why, and for how long.
                LineWriter.standardError.line(
                    "qactl: cannot reach \(settings.server) (\(problem)); waiting up to \(Self.format(settings.timeout)) (--timeout) for it to come back")
            }
            told = true
            try await Task.sleep(for: min(ConnectionProbe.offlineInterval, max(.zero, deadline - ContinuousClock.now)))
        }
    }

    private enum Outcome {
        case completed(String)
        case failed(String)
        case rolledBack(ChatError)
        case timedOut(String)
    }

    /// Reports the exchange's events until its answer settles or the deadline passes.
    private func follow(_ send: SendRecord, in states: AsyncStream<ChatState>, until deadline: ContinuousClock.Instant) async throws -> Outcome {
        let json = settings.json
        let output = output
        let watcher = Task { () -> Outcome? in
            var previous: ChatState?
            var answerStatus = "pending"
            for await state in states {
                for event in ChatEvent.changes(from: previous, to: state) where Self.concerns(event, send) {
                    if json { output.line(EventFormatter.json(event)) }
                    switch event {
                    case .rolledBack(_, let error):
                        return .rolledBack(error)
                    case .message(let message) where message.id == send.answerID:
                        answerStatus = message.status
                        if let settled = Self.settled(message) { return settled }
                    case .status(let message) where message.id == send.answerID:
                        answerStatus = message.status
                        if let settled = Self.settled(message) { return settled }
                    default:
                        break
                    }
                }
                previous = state
            }
            return .timedOut(answerStatus)
        }
        let timer = Task {
            try? await Task.sleep(until: deadline, clock: .continuous)
            watcher.cancel()
        }
        defer { timer.cancel() }
        // Cancelled (a signal): the watcher stops at once rather than at the deadline.
        if let outcome = await withTaskCancellationHandler(operation: { await watcher.value }, onCancel: { watcher.cancel() }) { return outcome }
        return .timedOut("not complete")
    }

    private static func settled(_ message: ChatMessage) -> Outcome? {
        guard !message.isOptimistic else { return nil }
        switch message.status {
        case "completed": return .completed(message.content)
        case "failed": return .failed(message.content)
        default: return nil
        }
    }

    /// Only this exchange's events; the `removed` of a rollback says nothing the rollback does not.
    private static func concerns(_ event: ChatEvent, _ send: SendRecord) -> Bool {
        switch event {
        case .optimistic(let other), .confirmed(let other, _, _), .rolledBack(let other, _):
            return other.questionID == send.questionID
        case .message(let message), .chunk(let message, _, _), .status(let message):
            return message.id == send.answerID && !message.isOptimistic
        default:
            return false
        }
    }

    static func format(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        if seconds == 0 { return "\(EventFormatter.milliseconds(duration))ms" }
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}
