import Foundation
import Hummingbird
import NIOCore
import Logging
import Synchronization
import Tokens

/// The request context of every route: the core storage plus the request id
/// that log lines and error reports carry.
struct APIRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let requestID: String
    /// Who the request's token says the caller is (set by ``TokenAuthMiddleware``).
    var identity: VerifiedToken?

    /// The connection the request came on.
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        requestID = Self.newRequestID()
    }

    /// A request id: unique in this process, unrelated-looking, and made
    /// without a system call (a random number per request was a `getrandom`
    /// each). Ids only correlate log lines with answers; they guard nothing.
    static func newRequestID() -> String {
        let count = requestCount.wrappingAdd(1, ordering: .relaxed).newValue
        // An odd multiplier is a bijection on 64 bits: distinct counts, distinct ids.
        return String(requestIDSeed &+ count &* 0x9E37_79B9_7F4A_7C15, radix: 36)
    }

    private static let requestIDSeed = UInt64.random(in: 0...UInt64.max)
    private static let requestCount = Atomic<UInt64>(0)

    /// Sorted keys: the same answer is the same bytes (a refusal must not differ
    /// by the order of its fields from another refusal that should look alike).
    var responseEncoder: JSONEncoder { Self.encoder }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// JSON bodies are read by the routes themselves, with their own limits.
    var maxUploadSize: Int { 64 * 1024 }
}
