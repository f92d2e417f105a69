import AppModel
import Foundation
import Logging
/// Writes one growing answer: coalesces pieces so that partial content is
/// written at most once per `flushInterval`, each write its own transaction.
///
/// A write that finds the database unavailable (PostgreSQL restarting, say)
/// is retried with backoff until it succeeds or the task is cancelled, so an
/// outage delays an answer instead of leaving it stuck half-written.
final class AnswerWriter {
    let store: any AppStore
    let answerID: String
    let flushInterval: Duration
    let logger: Logger
    private(set) var content = ""
    private var written = ""
    private var lastFlush = ContinuousClock.now

    init(store: any AppStore, answerID: String, flushInterval: Duration, logger: Logger) {
        self.store = store
        self.answerID = answerID
        self.flushInterval = flushInterval
        self.logger = logger
    }

    /// Runs `operation` until it does not fail with `unavailable`; cancellation ends the wait.
    func retrying<T>(_ operation: () async throws -> T) async throws -> T {
        try await StoreRetry.untilAvailable(logger: logger, "answer \(answerID)", operation)
    }

    func begin() async throws {
        try await write("", status: "streaming")
        lastFlush = ContinuousClock.now
    }

    /// One write; throws ``AnswerSuperseded`` when it changed nothing (the
    /// answer is finished, or another instance took it over).
    private func write(_ text: String, status: String) async throws {
        let txid = try await retrying { try await store.updateAnswer(answerID, content: text, status: status) }
        if txid == nil { throw AnswerSuperseded() }
    }

    /// Appends every piece of `pieces`. What is held is written at most
    /// `flushInterval` after it arrived, even when no further piece comes (a
    /// model that pauses, a command that prints a line and thinks): the
    /// pieces and a ticker feed one sequence, so writes stay one at a time.
    func append(_ pieces: AsyncThrowingStream<String, any Error>) async throws {
        enum Event: Sendable {
            case piece(String), tick, end
            case failed(any Error)
        }
        let (events, sink) = AsyncStream.makeStream(of: Event.self)
        let interval = flushInterval
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await piece in pieces { sink.yield(.piece(piece)) }
                    sink.yield(.end)
                } catch {
                    sink.yield(.failed(error))
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    sink.yield(.tick)
                }
            }
            events: for await event in events {
                switch event {
                case .piece(let piece):
                    content += piece
                    try await flushIfDue()
                case .tick: try await flushIfDue()
                case .end: break events
                case .failed(let error): throw error
                }
            }
            group.cancelAll()
        }
    }

    private func flushIfDue() async throws {
        if ContinuousClock.now - lastFlush >= flushInterval { try await flush() }
    }

    private func flush() async throws {
        guard content != written else { return }
        let text = content
        try await write(text, status: "streaming")
        written = text
        lastFlush = ContinuousClock.now
    }

    /// The final write: the complete answer.
    func finish() async throws {
        let text = content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? "(The answerer returned an empty answer.)" : content
        try await write(text, status: "completed")
    }

    /// Keeps what was written so far and states why the answer stopped.
    func fail(reason: String) async throws {
        let note = "[answer failed: \(reason)]"
        let text = content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? note : content + "\n\n" + note
        try await write(text, status: "failed")
    }

    /// On shutdown: one attempt to save the content so far, leaving the answer
    /// `streaming` so that the next start answers it again. Runs in a task of
    /// its own, so the cancelled caller still writes it.
    func saveForResume() async {
        let (store, answerID, text, unsaved) = (self.store, self.answerID, self.content, content != written)
        _ = try? await Task {
            if unsaved { try await store.updateAnswer(answerID, content: text, status: "streaming") }
            // Another instance on the same database may take it over at once.
            try await store.releaseAnswer(answerID)
        }.value
    }
}

/// An answer write changed nothing: the answer was finished meanwhile, or
/// another instance holds it now. The writer stops; it is not a failure.
struct AnswerSuperseded: Error {}
