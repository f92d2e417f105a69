import Foundation
import ShapeWire

/// The shape protocol's client side as a pure state machine: what to ask for
/// next, and what each answer means. ``ShapeStream`` adds the HTTP and the waiting.
///
/// `-1` → snapshot chunks → catch-up pages → up-to-date → live long-polls with
/// `cursor`. Messages are buffered until an up-to-date closes a batch.
struct ShapeStreamState {
    typealias Response = HTTPAnswer

    /// What the request loop should do after an answer.
    enum Action: Equatable {
        /// Send the next request now.
        case next
        /// Hand this to the consumer, then send the next request.
        case emit(ShapeEvent)
        /// A transient failure: wait (backoff, at least `retryAfter`), then resend.
        case retry(retryAfter: Duration?)
        /// 401: drop the token and resend with a fresh one.
        case refreshToken
    }

    /// The parameters of the next request.
    struct Request {
        var query: [(String, String)]
        var isLive: Bool
        var offset: String
        var handle: String?
    }

    /// How many stale (expired-handle) answers in a row before giving up.
    static let maxStaleRetries = 3

    private(set) var handle: String?
    private(set) var offset: Offset
    private(set) var cursor: String?
    private(set) var schema: String?
    /// True once an up-to-date was seen: requests are long-polls from then on.
    private(set) var isLive = false
    private var expiredHandle: String?
    private var cacheBuster: String?
    private var staleAnswers = 0
    private var refetchesInARow = 0

    // The batch being gathered.
    private var changes: [ChangeMessage] = []
    private var txids: Set<UInt64> = []
    private var snapshots: [SnapshotBounds] = []
    private var batchStartsFromScratch: Bool

    /// On-demand: a stream with no position starts at `now`, not `-1`.
    private let startsAtNow: Bool

    init(resume: ShapePosition?, startsAtNow: Bool = false) {
        self.startsAtNow = startsAtNow
        if let resume, !resume.offset.isBeforeAllOffsets {
            handle = resume.handle
            offset = resume.offset
            schema = resume.schema
            batchStartsFromScratch = false
        } else {
            offset = .beforeAll
            // On demand, rows come from subsets: a batch never replaces them.
            batchStartsFromScratch = !startsAtNow
        }
    }

    var position: ShapePosition? {
        handle.map { ShapePosition(handle: $0, offset: offset, schema: schema) }
    }

    func nextRequest() -> Request {
        let startingNow = startsAtNow && offset.isBeforeAllOffsets
        var query: [(String, String)] = [(ShapeParameter.offset, startingNow ? "now" : offset.description)]
        var sentHandle: String?
        if !offset.isBeforeAllOffsets, let handle {
            query.append((ShapeParameter.handle, handle))
            sentHandle = handle
        }
        if isLive {
            query.append((ShapeParameter.live, "true"))
            query.append((ShapeParameter.cursor, cursor ?? ""))
        }
        if let expiredHandle { query.append((ShapeParameter.expiredHandle, expiredHandle)) }
        if let cacheBuster { query.append((ShapeParameter.cacheBuster, cacheBuster)) }
        return Request(query: query, isLive: isLive, offset: startingNow ? "now" : offset.description, handle: sentHandle)
    }

    /// Reads the head of an SSE answer to a live `request`: the same headers a
    /// long-poll answer must carry (its body follows as events).
    mutating func acceptEventStream(_ headers: [String: String], to request: Request) throws {
        guard let newHandle = headers[ShapeHeader.handle], headers[ShapeHeader.offset] != nil, let newCursor = headers[ShapeHeader.cursor] else {
            throw ShapeStreamError(
                .missingHeaders, "the SSE response lacks electric-handle, electric-offset or electric-cursor; a proxy is dropping electric-* headers",
                status: 200)
        }
        refetchesInARow = 0
        staleAnswers = 0
        cacheBuster = nil
        handle = newHandle
        cursor = newCursor
    }

    /// Reads one SSE event's data (one message). An up-to-date closes the
    /// batch; the stream then stands at `<global_last_seen_lsn>_0`, which the
    /// server reads as "after that whole transaction".
    mutating func receiveEvent(_ data: String) throws -> Action {
        let messages = try IncomingMessage.decodeBody(Data(("[" + data + "]").utf8))
        for message in messages {
            switch message {
            case .change(let change):
                changes.append(change)
                txids.formUnion(change.txids)
            case .snapshotEnd(let bounds):
                snapshots.append(bounds)
            case .upToDate(let lsn):
                if let lsn, let tx = UInt64(lsn) { offset = Offset(tx: tx, op: 0) }
                return closeBatch(globalLastSeenLSN: lsn)
            case .mustRefetch:
                if let handle { expiredHandle = handle }
                return mustRefetch("the server asked for a refetch")
            case .ignored:
                continue
            }
        }
        return .next
    }

    /// Reads one answer to `request`.
    mutating func handle(_ response: Response, to request: Request) throws -> Action {
        switch response.status {
        case 200..<300, 304:
            refetchesInARow = 0
            return try accept(response, to: request)
        case 409:
            // The handle is gone (or belongs to another definition): never reuse it.
            if let handle { expiredHandle = handle }
            return mustRefetch("the server expired shape handle \(handle ?? "(none)") (409)")
        case 400:
            if ShapeRequestError(body: response.body) == .offsetOutOfBounds {
                return mustRefetch("offset \(offset) is out of bounds for this shape (400)")
            }
            let text = String(decoding: response.body.prefix(2000), as: UTF8.self)
            throw ShapeStreamError(.badRequest, "the shape server refused the request: \(text)", status: 400)
        case 401:
            return .refreshToken
        case 403:
            let text = String(decoding: response.body.prefix(2000), as: UTF8.self)
            throw ShapeStreamError(.forbidden, "the shape server refused access to this shape (403): \(text)", status: 403)
        case 408, 429, 500..<600:
            return .retry(retryAfter: Backoff.retryAfter(response.headers["retry-after"]))
        default:
            let text = String(decoding: response.body.prefix(2000), as: UTF8.self)
            throw ShapeStreamError(.unexpectedStatus, "the shape server answered \(response.status): \(text)", status: response.status)
        }
    }

    private mutating func accept(_ response: Response, to request: Request) throws -> Action {
        let headers = response.headers
        if response.status == 204 || response.status == 304 {
            // 204 is a pre-1.0 live timeout: caught up. 304 answers an If-None-Match this
            // client never sends (a proxy's doing): caught up when live, else ask again later.
            if response.status == 204 || isLive { return closeBatch(globalLastSeenLSN: nil) }
            return .retry(retryAfter: nil)
        }
        var missing: [String] = []
        if headers[ShapeHeader.offset] == nil { missing.append(ShapeHeader.offset) }
        if headers[ShapeHeader.handle] == nil { missing.append(ShapeHeader.handle) }
        if request.isLive && headers[ShapeHeader.cursor] == nil { missing.append(ShapeHeader.cursor) }
        if !request.isLive && headers[ShapeHeader.schema] == nil { missing.append(ShapeHeader.schema) }
        guard missing.isEmpty else {
            throw ShapeStreamError(
                .missingHeaders,
                "the shape response (\(response.status)) lacks \(missing.joined(separator: ", ")); a proxy or CORS setting is dropping electric-* headers",
                status: response.status)
        }
        let newHandle = headers[ShapeHeader.handle] ?? ""
        if let expiredHandle, newHandle == expiredHandle {
            // A cache served an answer for the handle the server expired: ask again past it.
            staleAnswers += 1
            guard staleAnswers <= Self.maxStaleRetries else {
                throw ShapeStreamError(
                    .staleCache, "a cache keeps answering with expired shape handle \(newHandle); purge the CDN or proxy cache",
                    status: response.status)
            }
            cacheBuster = Self.randomCacheBuster()
            return .next
        }
        guard let newOffset = Offset(headers[ShapeHeader.offset] ?? "") else {
            throw ShapeStreamError(.invalidBody, "electric-offset \"\(headers[ShapeHeader.offset] ?? "")\" is not an offset", status: response.status)
        }
        let messages = try IncomingMessage.decodeBody(response.body)
        staleAnswers = 0
        cacheBuster = nil
        handle = newHandle
        offset = newOffset
        if let newCursor = headers[ShapeHeader.cursor] { cursor = newCursor }
        if let newSchema = headers[ShapeHeader.schema] { schema = newSchema }
        var upToDate = headers[ShapeHeader.upToDate] != nil
        var lsn: String?
        for message in messages {
            switch message {
            case .change(let change):
                changes.append(change)
                txids.formUnion(change.txids)
            case .snapshotEnd(let bounds):
                snapshots.append(bounds)
            case .upToDate(let globalLastSeenLSN):
                upToDate = true
                lsn = globalLastSeenLSN
            case .mustRefetch:
                if let handle { expiredHandle = handle }
                return mustRefetch("the server asked for a refetch")
            case .ignored:
                continue
            }
        }
        return upToDate ? closeBatch(globalLastSeenLSN: lsn) : .next
    }

    private mutating func closeBatch(globalLastSeenLSN: String?) -> Action {
        // Without a handle there is nothing to long-poll on: ask again from where we are.
        guard let position else { return .retry(retryAfter: nil) }
        isLive = true
        let batch = ShapeBatch(
            changes: changes, replacesRows: batchStartsFromScratch, txids: txids, snapshots: snapshots,
            globalLastSeenLSN: globalLastSeenLSN, position: position)
        changes = []
        txids = []
        snapshots = []
        batchStartsFromScratch = false
        return .emit(.batch(batch))
    }

    /// Back to `-1`: everything buffered belongs to the dead shape.
    private mutating func mustRefetch(_ reason: String) -> Action {
        handle = nil
        offset = .beforeAll
        cursor = nil
        schema = nil
        isLive = false
        changes = []
        txids = []
        snapshots = []
        batchStartsFromScratch = !startsAtNow
        cacheBuster = Self.randomCacheBuster()
        refetchesInARow += 1
        // A server (or cache) answering 409 over and over must not be hammered.
        if refetchesInARow > 2 { return .retry(retryAfter: nil) }
        return .emit(.mustRefetch(reason: reason))
    }

    private static func randomCacheBuster() -> String {
        String(UInt64.random(in: 1...UInt64.max), radix: 36)
    }
}
