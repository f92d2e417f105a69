import Foundation
import ShapeWire

/// A validated `/v1/shape` request.
public struct ShapeRequest: Sendable {
    public let definition: ShapeDefinition
    public let offset: RequestedOffset
    public let handle: String?
    public let live: Bool
    public let cursor: String?
    /// Set for a subset snapshot: rows read now, instead of the shape's log.
    let subset: SubsetRequest?
    /// Server-sent events instead of a long-poll (`live_sse=true`).
    public let liveSSE: Bool

    /// The raw query parameters, in order; percent-decoded.
    public typealias Query = [(name: String, value: String)]

    /// Validation errors by parameter, as the 400 body lists them.
    public struct Invalid: Error, Sendable {
        public var errors: [String: [String]]
    }
}

/// A `/v1/shape` call as the HTTP layer sees it.
/// Whether the client of a call is still connected: a live long-poll whose
/// client leaves stops waiting at once (its waiter and slot are freed), without
/// a task of its own per poll to cancel.
public protocol ClientPresenceSignal: Sendable {
    /// Runs `action` once when the client goes away. Returns a token to
    /// withdraw it with, or nil (and runs nothing) if the client is gone already.
    func whenGone(_ action: @escaping @Sendable () -> Void) -> Int?
    func withdraw(_ token: Int)
}

public struct ShapeCall: Sendable {
    public enum Method: String, Sendable { case get = "GET", head = "HEAD", options = "OPTIONS", post = "POST", delete = "DELETE" }

    public let method: Method
    public let query: ShapeRequest.Query
    public let origin: String?
    public let ifNoneMatch: String?
    /// The connection's client, for live calls (nil: wait for the timeout or task cancellation).
    public var presence: (any ClientPresenceSignal)?

    public init(method: Method, query: ShapeRequest.Query, origin: String? = nil, ifNoneMatch: String? = nil) {
        self.method = method
        self.query = query
        self.origin = origin
        self.ifNoneMatch = ifNoneMatch
    }

    /// Splits a raw query string (`a=1&b=%20x`) into decoded pairs.
    public static func parseQuery(_ raw: String) -> ShapeRequest.Query {
        raw.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// Form decoding (`+` is a space, `%XX` a byte) over the UTF-8 bytes: every
    /// request is parsed, so no Foundation string bridging. Text whose escapes
    /// are broken or do not make UTF-8 is kept as given (with `+` decoded).
    static func decode(_ text: Substring) -> String {
        let input = text.utf8
        guard input.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(input.count)
        var plusOnly: [UInt8] = []
        plusOnly.reserveCapacity(input.count)
        var valid = true
        var index = input.startIndex
        while index != input.endIndex {
            let byte = input[index]
            plusOnly.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                let high = input.index(after: index)
                guard high != input.endIndex, input.index(after: high) != input.endIndex,
                    let h = hexValue(input[high]), let l = hexValue(input[input.index(after: high)])
                else {
                    valid = false
                    bytes.append(byte)
                    break
                }
                bytes.append(h << 4 | l)
                plusOnly.append(input[high])
                plusOnly.append(input[input.index(after: high)])
                index = input.index(after: high)
            default:
                bytes.append(byte)
            }
            index = input.index(after: index)
        }
        guard valid, let decoded = String(validating: bytes, as: UTF8.self) else { return String(decoding: plusOnly, as: UTF8.self) }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// The answer to a `/v1/shape` call: status, headers, body.
public struct ShapeAnswer: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: String
    /// An SSE live answer's body, streamed piece by piece instead of `body`.
    public var events: AsyncStream<String>?

    public init(status: Int, headers: [(name: String, value: String)], body: String) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.last { $0.name == name }?.value
    }
}
