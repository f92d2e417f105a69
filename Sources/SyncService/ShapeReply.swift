import Foundation
import ShapeWire

extension ShapeAnswer {
    /// A 400 in the protocol's form, for a request refused before it reaches
    /// the sync service (a POST body that is not a JSON object).
    public static func invalid(_ invalid: ShapeRequest.Invalid, origin: String?) -> ShapeAnswer {
        ShapeReply(origin: origin).invalid(invalid.errors)
    }
}

/// Builds `/v1/shape` answers with the headers the protocol requires.
struct ShapeReply {
    enum Cache {
        case initial, catchUp, live

        var header: String {
            switch self {
            case .initial: ShapeHeader.CacheControl.initial
            case .catchUp: ShapeHeader.CacheControl.catchUp
            case .live: ShapeHeader.CacheControl.live
            }
        }
    }

    let origin: String?
    /// False for a POST: its data answers say `no-cache` whatever they hold.
    var isCacheable = true
    var handle: String?
    var schema: String?
    var cursor: String?

    init(origin: String?) {
        self.origin = origin
    }

    private var corsHeaders: [(name: String, value: String)] {
        var headers = [
            (name: "access-control-allow-origin", value: origin ?? "*"),
            (name: "access-control-expose-headers", value: ShapeHeader.exposed.joined(separator: ",")),
        ]
        if origin != nil { headers.append((name: "vary", value: "origin")) }
        return headers
    }

    private func json(_ status: Int, _ body: String, _ extra: [(name: String, value: String)]) -> ShapeAnswer {
        var headers = corsHeaders + [(name: "content-type", value: "application/json; charset=utf-8")] + extra
        // Errors must not be kept by a CDN either (Electric's surrogate-control).
        if extra.contains(where: { $0.name == "cache-control" && $0.value == ShapeHeader.CacheControl.error }) {
            headers.append((name: "surrogate-control", value: ShapeHeader.CacheControl.error))
        }
        return ShapeAnswer(status: status, headers: headers, body: body)
    }

    func preflight() -> ShapeAnswer {
        ShapeAnswer(status: 204, headers: corsHeaders + [
            (name: "access-control-allow-methods", value: "GET, POST, HEAD, DELETE, OPTIONS"),
            (name: "access-control-allow-headers", value: "if-none-match, traceparent, authorization, content-type"),
            (name: "access-control-max-age", value: "86400"),
        ], body: "")
    }

    func unauthorized() -> ShapeAnswer {
        json(401, "{\"message\":\"Unauthorized - Invalid API secret\"}", [(name: "cache-control", value: ShapeHeader.CacheControl.error)])
    }

    func invalid(_ errors: [String: [String]]) -> ShapeAnswer {
        let members = errors.keys.sorted().map { key in
            (key, "[" + (errors[key] ?? []).map(JSONText.quoted).joined(separator: ",") + "]")
        }
        let body = JSONText.object([("message", JSONText.quoted("Invalid request")), ("errors", JSONText.object(members))])
        return json(400, body, [(name: "cache-control", value: ShapeHeader.CacheControl.error)])
    }

    /// A refusal with Electric's error body (`{"message": …}`), never cached.
    func error(_ status: Int, _ message: String) -> ShapeAnswer {
        json(status, JSONText.object([("message", JSONText.quoted(message))]), [(name: "cache-control", value: ShapeHeader.CacheControl.error)])
    }

    func accepted() -> ShapeAnswer {
        json(202, "", [(name: "cache-control", value: ShapeHeader.CacheControl.error)])
    }

    func unavailable(_ message: String, retryAfter: Int) -> ShapeAnswer {
        json(503, JSONText.object([("message", JSONText.quoted(message))]), [
            (name: "cache-control", value: ShapeHeader.CacheControl.error), (name: "retry-after", value: String(retryAfter)),
        ])
    }

    /// Admission control's 503: Electric's body (`code`, `message`) and the
    /// API's `error` object, a jittered `retry-after` (5–10 s, so refused
    /// clients do not come back together), never cached.
    func overloaded(_ message: String) -> ShapeAnswer {
        let code = "concurrent_request_limit_exceeded"
        let body = JSONText.object([
            ("code", JSONText.quoted(code)), ("message", JSONText.quoted(message)),
            ("error", JSONText.object([("code", JSONText.quoted(code)), ("message", JSONText.quoted(message))])),
        ])
        return json(503, body, [
            (name: "cache-control", value: ShapeHeader.CacheControl.error), (name: "retry-after", value: String(Int.random(in: 5...10))),
        ])
    }

    /// A 409: cached briefly (it redirects every client of a rotated shape
    /// at once), for a second only when it names no replacement handle.
    func mustRefetch(handle: String?) -> ShapeAnswer {
        var headers = [(name: "cache-control", value: handle == nil ? ShapeHeader.CacheControl.mustRefetchWithoutHandle : ShapeHeader.CacheControl.mustRefetch)]
        if let handle { headers.append((name: ShapeHeader.handle, value: handle)) }
        return json(409, ShapeMessage.mustRefetchBody, headers)
    }

    /// The head of an SSE live answer (its events follow as a stream). Cached
    /// for just under the stream's life, as Electric does, so a CDN can
    /// collapse the clients that connect at once; never buffered by nginx.
    func eventStream(offset: Offset, cacheSeconds: Int) -> ShapeAnswer {
        var headers = corsHeaders + [
            (name: "content-type", value: "text/event-stream"), (name: "cache-control", value: "public, max-age=\(cacheSeconds)"),
            (name: "x-accel-buffering", value: "no"), (name: ShapeHeader.offset, value: offset.description),
        ]
        if let handle { headers.append((name: ShapeHeader.handle, value: handle)) }
        if let cursor { headers.append((name: ShapeHeader.cursor, value: cursor)) }
        return ShapeAnswer(status: 200, headers: headers, body: "")
    }

    /// A subset snapshot: never cached (it is a view of now, and a POST).
    func subset(body: String, offset: Offset) -> ShapeAnswer {
        var headers: [(name: String, value: String)] = [
            (name: "cache-control", value: ShapeHeader.CacheControl.uncached), (name: ShapeHeader.snapshot, value: "true"),
            (name: ShapeHeader.offset, value: offset.description),
        ]
        if let handle { headers.append((name: ShapeHeader.handle, value: handle)) }
        if let schema { headers.append((name: ShapeHeader.schema, value: schema)) }
        return json(200, body, headers)
    }

    func snapshotChunk(_ chunk: String, offset: Offset, requestOffset: String, cache: Cache, ifNoneMatch: String?, head: Bool) -> ShapeAnswer {
        answer(body: "[" + chunk + "]", offset: offset, requestOffset: requestOffset, upToDate: false, hasData: true,
               cache: cache, ifNoneMatch: ifNoneMatch, head: head, uniqueETag: false)
    }

    /// Log entries (possibly none), ending with up-to-date when `upToDate` gives
    /// the `global_last_seen_lsn`.
    func data(_ messages: [String], offset: Offset, requestOffset: String, upToDate: UInt64?, hasData: Bool, cache: Cache,
              ifNoneMatch: String?, head: Bool, uniqueETag: Bool = false) -> ShapeAnswer {
        var all = messages
        if let lsn = upToDate { all.append(ShapeMessage.upToDate(globalLastSeenLSN: lsn)) }
        return answer(body: "[" + all.joined(separator: ",") + "]", offset: offset, requestOffset: requestOffset,
                      upToDate: upToDate != nil, hasData: hasData, cache: cache, ifNoneMatch: ifNoneMatch, head: head, uniqueETag: uniqueETag)
    }

    private func answer(body: String, offset: Offset, requestOffset: String, upToDate: Bool, hasData: Bool, cache: Cache,
                        ifNoneMatch: String?, head: Bool, uniqueETag: Bool) -> ShapeAnswer {
        var headers: [(name: String, value: String)] = [
            (name: ShapeHeader.offset, value: offset.description),
            (name: ShapeHeader.hasData, value: hasData ? "true" : "false"),
            (name: "cache-control", value: isCacheable ? cache.header : ShapeHeader.CacheControl.uncached),
        ]
        var etag = ""
        if let handle {
            headers.append((name: ShapeHeader.handle, value: handle))
            // Empty live answers get a unique etag so a cache never revalidates them.
            let unique = uniqueETag ? ":\(DispatchTime.now().uptimeNanoseconds)" : ""
            etag = "\"\(handle):\(requestOffset):\(offset)\(unique)\""
            headers.append((name: "etag", value: etag))
        }
        if let schema { headers.append((name: ShapeHeader.schema, value: schema)) }
        if let cursor { headers.append((name: ShapeHeader.cursor, value: cursor)) }
        if upToDate { headers.append((name: ShapeHeader.upToDate, value: "")) }
        if let ifNoneMatch, !etag.isEmpty, Self.matches(ifNoneMatch, etag) {
            return ShapeAnswer(status: 304, headers: corsHeaders + headers, body: "")
        }
        return json(200, head ? "" : body, headers)
    }

    /// If-None-Match's weak comparison (RFC 9110 §13.1.2): `W/"x"` matches `"x"`
    /// (proxies that compress weaken tags). `*` is not honoured: a live answer
    /// carries new rows, and a 304 for it would lose them.
    static func matches(_ ifNoneMatch: String, _ etag: String) -> Bool {
        ifNoneMatch.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return (tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag) == etag
        }
    }
}
