import Foundation
import QACtlTestSupport
import Synchronization

/// Users sending questions over real sockets, as a client would: a 503 is
/// retried after its `retry-after` with the same ids (idempotent), anything
/// else is recorded. What the invariants are checked against: the question
/// ids the server acknowledged with 200.
final class WriteLoad: Sendable {
    struct Tally: Sendable {
        var acknowledged: [String] = []
        /// Statuses other than 200 and 503-with-retry-after (a 500, a 503 without the header…).
        var unexpected: [String] = []
        var unavailable = 0
        var transportErrors = 0
    }

    private let tally = Mutex(Tally())
    private let stopFlag = Atomic<Bool>(false)
    private let tasks = Mutex<[Task<Void, Never>]>([])

    var current: Tally { tally.withLock { $0 } }

    /// Starts `writers` senders on `conversation`, each sending up to `count` questions.
    init(api: ServerAPI, token: String, conversation: String, writers: Int, count: Int, tag: String) {
        let started = (0..<writers).map { writer in
            Task { [self] in
                for index in 0..<count where !self.stopFlag.load(ordering: .relaxed) {
                    let id = "\(tag)-\(writer)-\(index)"
                    let body: [String: Any] = ["conversationId": conversation, "questionId": "q-\(id)", "answerId": "a-\(id)", "content": "question \(id)"]
                    // The same request until it is answered for good (the server may be restarting).
                    for _ in 0..<200 where !self.stopFlag.load(ordering: .relaxed) {
                        do {
                            let answer = try await api.post("/questions/send", json: body, token: token)
                            if answer.status == 200 {
                                self.tally.withLock { $0.acknowledged.append("q-\(id)") }
                                break
                            }
                            if answer.status == 503, answer.header("retry-after") != nil {
                                self.tally.withLock { $0.unavailable += 1 }
                                try? await Task.sleep(for: .milliseconds(200))
                                continue
                            }
                            self.tally.withLock { $0.unexpected.append("\(answer.status) \(answer.body)") }
                            break
                        } catch {
                            self.tally.withLock { $0.transportErrors += 1 }
                            try? await Task.sleep(for: .milliseconds(200))
                        }
                    }
                }
            }
        }
        tasks.withLock { $0 = started }
    }

    /// Asks the senders to stop after their current question.
    func stop() { stopFlag.store(true, ordering: .relaxed) }

    /// Waits until every sender is done; returns the tally.
    func finish() async -> Tally {
        for task in tasks.withLock({ $0 }) { await task.value }
        return current
    }
}
