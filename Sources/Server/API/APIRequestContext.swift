import Foundation
import Hummingbird
import NIOCore
import Logging
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

    static func newRequestID() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    /// Sorted keys: the same answer is the same bytes (a refusal must not differ
    /// by the order of its fields from another refusal that should look alike).
    var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// JSON bodies are read by the routes themselves, with their own limits.
    var maxUploadSize: Int { 64 * 1024 }
}
