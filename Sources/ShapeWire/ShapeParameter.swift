import Foundation

/// Query parameter names of the shape protocol, next to ``ShapeHeader``.
public enum ShapeParameter {
    public static let offset = "offset"
    public static let handle = "handle"
    public static let live = "live"
    public static let cursor = "cursor"
    public static let table = "table"
    public static let `where` = "where"
    public static let columns = "columns"
    public static let replica = "replica"
    public static let log = "log"
    public static let secret = "secret"
    /// Electric's older name for `secret`.
    public static let apiSecret = "api_secret"
    public static let expiredHandle = "expired_handle"
    public static let cacheBuster = "cache-buster"
    public static let paramsPrefix = "params["
    public static let liveSSE = "live_sse"
    /// What Electric's clients before 1.1 send for `live_sse`.
    public static let experimentalLiveSSE = "experimental_live_sse"
    /// `subset__where`, `subset__params`, … (a subset snapshot's own parameters).
    public static let subsetPrefix = "subset__"
    /// The members of a subset, as a POST body names them.
    public static let subsetMembers = ["where", "params", "limit", "offset", "order_by"]
    public static let subsetParameters = Set(subsetMembers.map { subsetPrefix + $0 })

    /// Whether a request's query asks for a live long-poll (the last `live` counts).
    public static func asksLive(_ query: some BidirectionalCollection<(name: String, value: String)>) -> Bool {
        query.last { $0.name == live }.map { isLive($0.value) } ?? false
    }

    /// As Electric: any `live` value but the literal `false` asks for a live request (`live=1`, a bare `live`).
    public static func isLive(_ value: String) -> Bool { value != "false" }

    /// Whether a request asks for an SSE live answer (`live_sse`, or the older
    /// `experimental_live_sse`, with a live request).
    public static func asksEvents(_ query: some BidirectionalCollection<(name: String, value: String)>) -> Bool {
        asksLive(query) && query.contains { ($0.name == liveSSE || $0.name == experimentalLiveSSE) && $0.value != "false" }
    }

    /// `params[n]`, the n-th (from 1) value of a `where` clause's `$n`.
    public static func param(_ number: Int) -> String { "params[\(number)]" }

    /// What a client of the gatekeeper may set: protocol positions and
    /// options, never the table, `where`, params or secret. (A subset's own
    /// `where` and params only narrow the shape the token grants.)
    public static let clientControlled = Set([
        offset, handle, live, cursor, log, replica, columns, expiredHandle, cacheBuster, liveSSE, experimentalLiveSSE,
    ]).union(subsetParameters)

    /// What a shape stream sets itself on every request; the rest of a
    /// stream's parameters (the shape) are the caller's.
    public static let streamControlled: Set<String> = [offset, handle, live, cursor, cacheBuster, expiredHandle, liveSSE, experimentalLiveSSE]
}

/// A 400 answer of the shape protocol that a client acts on rather than
/// reports: its body is `{"message": …, "errors": {field: [message]}}`.
public enum ShapeRequestError: Sendable, Equatable {
    /// The offset is past the shape's log (the shape was rebuilt): refetch.
    case offsetOutOfBounds

    public var field: String {
        switch self {
        case .offsetOutOfBounds: ShapeParameter.offset
        }
    }

    public var message: String {
        switch self {
        case .offsetOutOfBounds: "out of bounds for this shape"
        }
    }

    /// The error a 400 body reports, when it is one of these.
    public init?(body: some Collection<UInt8>) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let errors = object["errors"] as? [String: Any]
        else { return nil }
        let known: [ShapeRequestError] = [.offsetOutOfBounds]
        guard let match = known.first(where: { (errors[$0.field] as? [String])?.contains($0.message) == true }) else { return nil }
        self = match
    }
}
