import Foundation
import Hummingbird
import HummingbirdTesting
import LocalSetup
import Logging
import SQLiteStore
@testable import Server
import SyncService
import Synchronization
import Tokens

/// The whole router of `qactl serve` over a real SQLite store and sync
/// service in a temp data dir, driven in process (no sockets, no process
/// start): the fast way to cover every route.
final class RouterFixture: Sendable {
    let directory: String
    let store: SQLiteDatabase
    let sync: SyncService
    let keys: LiveTokenAuthority
    var authority: TokenAuthority { keys.current }
    let questions = QuestionLog()
    private let feed: Task<Void, Never>

    init() async throws {
        directory = NSTemporaryDirectory() + "/qactl-router-" + UUID().uuidString.lowercased()
        store = try SQLiteDatabase(path: directory + "/qactl.sqlite")
        sync = SyncService(store: store, configuration: .init(secret: "s3cret", longPollTimeout: .seconds(1)))
        try await sync.start()
        let sync = self.sync
        feed = Task { await sync.run() }
        // Serving starts once the sync service has caught up with the (empty) change log.
        let deadline = ContinuousClock.now + .seconds(10)
        while !sync.isReady, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        keys = try LiveTokenAuthority(store: KeyStore(dataDirectory: directory))
    }

    var router: Router<APIRequestContext> { router(inspectorSecret: nil) }

    /// The router, with the inspector's API open to `inspectorSecret`.
    func router(inspectorSecret: String?) -> Router<APIRequestContext> {
        let questions = self.questions
        return buildRouter(RouterDependencies(
            store: store, keys: keys, upstream: EmbeddedUpstream(sync: sync), sync: sync, metrics: ServerMetrics(),
            health: ServerHealth(), feed: nil, dataDirectory: DataDirectory(directory), shapeTokenLifetime: .seconds(300),
            onQuestion: { answer, _ in questions.record(answer) }, logger: Logger(label: "router-tests"),
            inspectorSecret: inspectorSecret))
    }

    /// Runs `body` against the router; the fixture is torn down afterwards.
    func test(inspectorSecret: String? = nil, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: router(inspectorSecret: inspectorSecret))
        do {
            try await app.test(.router, body)
        } catch {
            await finish()
            throw error
        }
        await finish()
    }

    func token(_ user: String) async throws -> String { try await authority.mintAuth(subject: user).token }

    private func finish() async {
        await sync.shutdown()
        feed.cancel()
        await feed.value
        // Closing waits for the pool's connections: not on one of the few
        // cooperative threads, which other suites' work may need meanwhile.
        let store = self.store
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                try? store.close()
                done.resume()
            }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// The answers the routes asked to be generated.
final class QuestionLog: Sendable {
    private let answers = Mutex<[String]>([])
    func record(_ answer: String) { answers.withLock { $0.append(answer) } }
    var recorded: [String] { answers.withLock { $0 } }
}

extension TestResponse {
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]) ?? [:] }
    var error: [String: Any]? { json["error"] as? [String: Any] }
    var text: String { String(buffer: body) }
}

func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }
