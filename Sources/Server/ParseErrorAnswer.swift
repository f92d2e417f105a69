import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Gives a request that is not valid HTTP the API's JSON error. Hummingbird
/// answers a parse error with an empty 400 and closes; this handler sees the
/// error pass by on its way in and rewrites that answer on its way out, so
/// the answer still leaves in request order (after any earlier request's).
final class ParseErrorAnswer: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The parse error whose 400 has not been written yet.
    private var pending: HTTPParserError?

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A connection that ended mid-request has nobody left to answer.
        if let error = error as? HTTPParserError, error != .invalidEOFState { pending = error }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Hummingbird's answer to it has no body; one of the API's own 400s (a route that read the error in a body) is left alone.
        guard let error = pending, case .head(let head) = unwrapOutboundIn(data), head.status == .badRequest,
              head.headerFields[.contentLength] == "0" else {
            context.write(data, promise: promise)
            return
        }
        pending = nil
        let (answer, body) = APIError(.invalidRequest, Self.describe(error)).closingResponse()
        context.write(wrapOutboundOut(.head(answer)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: promise)
    }

    static func describe(_ error: HTTPParserError) -> String {
        let what: String = switch error {
        case .headerOverflow: "its headers are too large"
        case .invalidMethod: "its method is not valid"
        case .invalidVersion: "its HTTP version is not valid"
        case .invalidURL, .invalidPath, .invalidQueryString, .invalidFragment, .invalidHost, .invalidPort: "its URL is not valid"
        case .invalidHeaderToken: "a header's name or value has characters HTTP does not allow"
        case .invalidContentLength, .unexpectedContentLength: "its content-length is not valid"
        case .invalidChunkSize: "a chunk's size is not valid"
        case .invalidCharactersUsed, .lfExpected, .invalidConstant, .strictModeAssertion: "it has characters HTTP does not allow"
        default: "it could not be parsed"
        }
        return "the request is not valid HTTP/1.1: \(what); the connection is closed"
    }
}

/// The client closed its connection part-way through a request body.
struct ClientLeft: Error {}
