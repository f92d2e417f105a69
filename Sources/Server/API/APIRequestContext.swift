import Hummingbird
import Logging
import Tokens

/// The request context of every route: the core storage plus the request id
/// that log lines and error reports carry.
struct APIRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let requestID: String
    /// Who the request's token says the caller is (set by ``TokenAuthMiddleware``).
    var identity: VerifiedToken?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestID = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    /// JSON bodies are read by the routes themselves, with their own limits.
    var maxUploadSize: Int { 64 * 1024 }
}
