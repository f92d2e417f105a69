import Hummingbird
import Store
import SyncService

/// `GET /healthz`: 200 when the database answers and the sync service has
/// caught up, else 503 with the reason.
struct HealthRoutes {
    let store: any AppStore
    let sync: SyncService?

    func register(on router: Router<APIRequestContext>) {
        router.get("/healthz") { _, _ -> Response in
            var reason: String?
            if !(await store.isHealthy()) {
                reason = "the database does not answer"
            } else if let sync, !(await sync.isReady) {
                reason = "the sync service is catching up with the change log"
            }
            let body = reason.map { "{\"status\":\"unavailable\",\"reason\":\"\($0)\"}" } ?? "{\"status\":\"ok\"}"
            var headers = HTTPFields()
            headers[.contentType] = "application/json; charset=utf-8"
            headers[.cacheControl] = "no-store"
            if reason != nil { headers[.retryAfter] = "1" }
            return Response(status: reason == nil ? .ok : .serviceUnavailable, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
    }
}
