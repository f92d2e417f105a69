import Foundation
import ShapeWire

/// A validated `/v1/shape` request.
public struct ShapeRequest: Sendable {
    public let definition: ShapeDefinition
    public let offset: RequestedOffset
    public let handle: String?
    public let live: Bool
    public let cursor: String?

    /// The raw query parameters, in order; percent-decoded.
    public typealias Query = [(name: String, value: String)]

    /// Validation errors by parameter, as the 400 body lists them.
    public struct Invalid: Error, Sendable {
        public var errors: [String: [String]]
    }
}

/// A `/v1/shape` call as the HTTP layer sees it.
public struct ShapeCall: Sendable {
    public enum Method: String, Sendable { case get = "GET", head = "HEAD", options = "OPTIONS" }

    public let method: Method
    public let query: ShapeRequest.Query
    public let origin: String?
    public let ifNoneMatch: String?

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

    private static func decode(_ text: Substring) -> String {
        let plusDecoded = text.replacingOccurrences(of: "+", with: " ")
        return plusDecoded.removingPercentEncoding ?? plusDecoded
    }
}

/// The answer to a `/v1/shape` call: status, headers, body.
public struct ShapeAnswer: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: String

    public init(status: Int, headers: [(name: String, value: String)], body: String) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.last { $0.name == name }?.value
    }
}
