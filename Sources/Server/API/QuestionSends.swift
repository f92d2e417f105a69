import AppModel
import HTTPTypes
import Logging
import NIOCore
import ShapeWire
import Tokens

/// `POST /questions/send`, answered outside Hummingbird's handler chain when
/// nothing about the request is unusual: the busiest write of a chat, and
/// under load the router's per-request work (body stream, middleware frames,
/// response writer) cost more CPU than the write itself.
///
/// It does what the router would, in the same words: the same token rules, the
/// same body rules, the same write, the same answer and headers (CORS, `no-store`,
/// request id), metrics and log line, and answer generation queued after the
/// commit. Whatever it does not fully handle (a token not verified recently, a
/// body the flat reader or the field rules refuse, HTTP/1.0, `connection: close`,
/// a chunked or oversized body) goes to the router untouched, which answers it
/// as before; so every refusal of a malformed request is still worded in one place.
final class QuestionSends: Sendable {
    static let path = "/questions/send"
    /// The router's body limit for the write routes.
    static let bodyLimit = 64 * 1024

    let store: any AppStore
    let keys: LiveTokenAuthority
    /// Called with (answer id, conversation id) once a question is committed.
    let onQuestion: @Sendable (String, String) -> Void
    let metrics: ServerMetrics
    let logger: Logger

    init(store: any AppStore, keys: LiveTokenAuthority, onQuestion: @escaping @Sendable (String, String) -> Void, metrics: ServerMetrics, logger: Logger) {
        self.store = store
        self.keys = keys
        self.onQuestion = onQuestion
        self.metrics = metrics
        self.logger = logger
    }

    private static let versionField = HTTPField.Name(HTTP10KeepAlive.versionHeader)!

    /// Whether this path takes a request with this head: a POST of a body of
    /// known length within the limit, on HTTP/1.1 with a Host, to be kept alive.
    func takes(_ head: HTTPRequest) -> Bool {
        guard head.method == .post, head.path == Self.path, head.authority?.isEmpty == false,
            head.headerFields[Self.versionField] == nil, head.headerFields[.transferEncoding] == nil,
            let length = head.headerFields[.contentLength].flatMap({ Int($0) }), (1...Self.bodyLimit).contains(length),
            head.headerFields[.connection].map({ !$0.lowercased().containsBytes("close") }) ?? true
        else { return false }
        return true
    }

    /// Starts the send and answers through `deliver` once it is carried out;
    /// false, with nothing done, when the router must answer it instead.
    /// `start`: when the head arrived, where the router's request duration starts too.
    func answer(_ head: HTTPRequest, body: ByteBuffer, since start: ContinuousClock.Instant, deliver: @escaping @Sendable (HTTPResponse, ByteBuffer) -> Void) -> Bool {
        guard let token = head.headerFields.bearerToken, let identity = keys.current.verifiedRecently(token, as: .auth),
            let request = body.withUnsafeReadableBytes({ FlatJSONObject.strings(in: $0) }).flatMap(SendQuestionRequest.init(fields:)),
            let send = try? QuestionSend(request)
        else { return false }
        let (origin, user) = (head.headerFields[.origin], identity.subject)
        let requestID = APIRequestContext.newRequestID()
        Task { [self] in
            var fields = HTTPFields()
            let status: HTTPResponse.Status
            let payload: ByteBuffer
            do {
                let sent = try await send.carryOut(as: user, store: store, onQuestion: onQuestion)
                (status, payload) = (.ok, sent.body)
                fields[.cacheControl] = "no-store"
                fields[.contentType] = "application/json; charset=utf-8"
            } catch let refusal as APIError {
                (status, payload) = refusal.encoded(into: &fields)
            } catch {
                (status, payload) = APIError.unexpected(error, requestID: requestID, logger: logger).encoded(into: &fields)
            }
            let (response, body) = finished(status, fields: fields, body: payload, origin: origin, requestID: requestID, since: start)
            deliver(response, body)
        }
        return true
    }

    /// The 408 for a send whose body did not arrive within `seconds`.
    func bodyTimedOut(_ head: HTTPRequest, seconds: Int, since start: ContinuousClock.Instant) -> (HTTPResponse, ByteBuffer) {
        var fields = HTTPFields()
        let (status, body) = APIError(.requestTimeout, RequestBodyTimeout(seconds: seconds).description).encoded(into: &fields)
        // What is left of the body cannot be told from a next request.
        fields[.connection] = "close"
        return finished(status, fields: fields, body: body, origin: head.headerFields[.origin], requestID: APIRequestContext.newRequestID(), since: start)
    }

    /// What the router's middleware adds to every answer: length, CORS, date,
    /// server, request id; and the request's metrics and log line.
    private func finished(
        _ status: HTTPResponse.Status, fields: HTTPFields, body: ByteBuffer, origin: String?, requestID: String, since start: ContinuousClock.Instant
    ) -> (HTTPResponse, ByteBuffer) {
        var fields = fields
        fields[.contentLength] = String(body.readableBytes)
        CORS.decorate(&fields, origin: origin)
        fields[.date] = HTTPDate.now()
        fields[.server] = "qactl"
        ObservabilityMiddleware.record(&fields, status: status.code, route: Self.path, method: .post, requestID: requestID,
                                       since: start, metrics: metrics, logger: logger)
        return (HTTPResponse(status: status, headerFields: fields), body)
    }
}
