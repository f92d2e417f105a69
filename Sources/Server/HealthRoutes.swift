import AppModel
import ChangeFeed
import Hummingbird
import LocalSetup
import ShapeWire
import SyncService
/// `GET /healthz`: 200 when the database answers, changes are flowing and the
/// sync service has caught up; else 503 with the reason.
struct HealthRoutes {
    let store: any AppStore
    let sync: SyncService?
    /// PostgreSQL's replication feed, when the server runs on it.
    let feed: ReplicationFeed?
    let health: ServerHealth
    let dataDirectory: DataDirectory
    /// Where shapes come from: the embedded sync service or an Electric behind the gatekeeper.
    let upstream: any ShapeUpstream

    func register(on router: Router<APIRequestContext>) {
        router.get("/healthz") { request, context in try await answer(request, context, withBody: true) }
        // Balancers often probe with HEAD: the same status and headers, no body.
        router.head("/healthz") { request, context in try await answer(request, context, withBody: false) }
    }

    private func answer(_ request: Request, _ context: APIRequestContext, withBody: Bool) async throws -> Response {
        let reason = await degradedReason()
        let report = HealthReport(status: reason == nil ? "ok" : "unavailable", reason: reason)
        var response = withBody ? try context.responseEncoder.encode(report, from: request, context: context) : Response(status: .ok)
        response.status = reason == nil ? .ok : .serviceUnavailable
        response.headers[.cacheControl] = "no-store"
        if reason != nil { response.headers[.retryAfter] = "1" }
        return response
    }

    /// Why the server is not fully serving, the most basic cause first.
    func degradedReason() async -> String? {
        if !(await store.isHealthy()) { return "the database does not answer" }
        if let problem = dataDirectory.writabilityProblem() { return problem }
        if let feed, !feed.isConnected { return "replication is down: changes are not reaching the sync service (reconnecting)" }
        if let rebuilding = health.rebuildReason { return "rebuilding every shape after a gap in the change stream: \(rebuilding)" }
        if let sync, !sync.isReady { return "the sync service is catching up with the change log" }
        return await upstream.problem()
    }
}
