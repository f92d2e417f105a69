import Foundation
import QACtlTestSupport
import Synchronization

/// A live subscriber of one shape, as a real client behaves: it follows with
/// long-polls, and on a 409 drops everything it had and refetches from
/// `offset=-1`. It counts, since its last refetch, how often each question
/// row was inserted: the exactly-once check.
final class ShapeFollower: Sendable {
    struct View: Sendable {
        /// Question row id → inserts seen since the last refetch.
        var inserts: [String: Int] = [:]
        var refetches = 0
        var upToDate = false
    }

    private let view = Mutex(View())
    private let stopFlag = Atomic<Bool>(false)
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    var current: View { self.view.withLock { $0 } }

    init(api: ServerAPI, token: String) {
        let running = Task { [self] in
            var state = ServerAPI.Follow()
            while !self.stopFlag.load(ordering: .relaxed) {
                do {
                    let live = self.view.withLock { $0.upToDate }
                    let seen = state.messages.count
                    let answer = try await api.follow(&state, token: token, live: live)
                    switch answer.status {
                    case 200:
                        self.view.withLock { view in
                            for message in state.messages[seen...] { Self.count(message, into: &view) }
                            if answer.header("electric-up-to-date") != nil { view.upToDate = true }
                        }
                    case 409:
                        state = ServerAPI.Follow()
                        self.view.withLock { view in
                            view.inserts = [:]
                            view.upToDate = false
                            view.refetches += 1
                        }
                    default:
                        try? await Task.sleep(for: .milliseconds(200))
                    }
                } catch {
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
        }
        task.withLock { $0 = running }
    }

    static func count(_ message: [String: Any], into view: inout View) {
        guard let headers = message["headers"] as? [String: Any], headers["operation"] as? String == "insert",
            let value = message["value"] as? [String: Any], let id = value["id"] as? String, id.hasPrefix("q-")
        else { return }
        view.inserts[id, default: 0] += 1
    }

    func stop() async {
        stopFlag.store(true, ordering: .relaxed)
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
    }

    /// One fresh sync from `offset=-1` to up-to-date: question id → inserts.
    static func freshSync(api: ServerAPI, token: String) async throws -> [String: Int] {
        var state = ServerAPI.Follow()
        try await api.catchUp(&state, token: token)
        var view = View()
        for message in state.messages { count(message, into: &view) }
        return view.inserts
    }
}
