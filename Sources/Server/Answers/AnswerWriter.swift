import Foundation
import Store

/// Writes one growing answer: coalesces pieces so that partial content is
/// written at most once per `flushInterval`, each write its own transaction.
final class AnswerWriter {
    let store: any AppStore
    let answerID: String
    let flushInterval: Duration
    private(set) var content = ""
    private var written = ""
    private var lastFlush = ContinuousClock.now

    init(store: any AppStore, answerID: String, flushInterval: Duration) {
        self.store = store
        self.answerID = answerID
        self.flushInterval = flushInterval
    }

    func begin() async throws {
        try await store.updateAnswer(answerID, content: "", status: "streaming")
        lastFlush = ContinuousClock.now
    }

    func append(_ piece: String) async throws {
        content += piece
        if ContinuousClock.now - lastFlush >= flushInterval {
            try await flush()
        }
    }

    private func flush() async throws {
        guard content != written else { return }
        try await store.updateAnswer(answerID, content: content, status: "streaming")
        written = content
        lastFlush = ContinuousClock.now
    }

    /// The final write: the complete answer.
    func finish() async throws {
        let text = content.trimmingCharacters(in: .whitespacesAndNewlines)
        try await store.updateAnswer(answerID, content: text.isEmpty ? "(The answerer returned an empty answer.)" : content, status: "completed")
    }

    /// Keeps what was written so far and states why the answer stopped. Runs
    /// in a task of its own, so a cancelled (shutting-down) caller still writes it.
    func fail(reason: String) async throws {
        let note = "[answer failed: \(reason)]"
        let text = content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? note : content + "\n\n" + note
        let (store, answerID) = (self.store, self.answerID)
        try await Task { try await store.updateAnswer(answerID, content: text, status: "failed") }.value
    }
}
