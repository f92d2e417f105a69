import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import ShapeWire
import Tokens

extension Request {
    /// The bearer token of the `Authorization` header, if any.
    var bearerToken: String? { headers.bearerToken }
}

extension HTTPFields {
    /// The bearer token of the `Authorization` header, if any.
    var bearerToken: String? {
        guard let header = self[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        // Trimmed by hand: this runs on every request, and Foundation's trim bridges.
        var token = parts[1].utf8[...]
        while let first = token.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { token = token.dropFirst() }
        while let last = token.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { token = token.dropLast() }
        return token.isEmpty ? nil : String(Substring(token))
    }
}

extension Request {
    /// The body decoded as `T` from a JSON object: 413 over `limit` bytes,
    /// 408 when it does not arrive in time (a client trickling it), 400
    /// naming the field when it is not the object `T` describes.
    func decodeJSON<T: Decodable>(as type: T.Type, limit: Int = 64 * 1024) async throws -> T {
        try Self.decode(T.self, from: try await collectJSONBody(limit: limit))
    }

    /// The same, read without Foundation's decoder when the body is a flat
    /// object of strings (a write route's usual body); anything else, and every
    /// refusal, takes the general path above, so answers are the same.
    func decodeJSON<T: StringFieldsBody>(as type: T.Type, limit: Int = 64 * 1024) async throws -> T {
        let buffer = try await collectJSONBody(limit: limit)
        let read = buffer.withUnsafeReadableBytes { FlatJSONObject.strings(in: $0) }.flatMap(T.init(fields:))
        return try read ?? Self.decode(T.self, from: buffer)
    }

    private func collectJSONBody(limit: Int) async throws -> ByteBuffer {
        let buffer = try await collectBody(limit: limit)
        guard buffer.readableBytes > 0 else { throw APIError(.invalidRequest, "the request body is empty; send a JSON object") }
        return buffer
    }

    private static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        do {
            // One parse: a body that is not an object fails at the top level.
            return try Self.bodyDecoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            switch error {
            case .typeMismatch(_, let context) where context.codingPath.isEmpty,
                 .valueNotFound(_, let context) where context.codingPath.isEmpty:
                throw APIError(.invalidRequest, "the request body is not a JSON object")
            case .dataCorrupted(let context) where context.codingPath.isEmpty:
                throw APIError(.invalidRequest, JSONText.invalidBodyReason(buffer.readableBytesView))
            default:
                throw APIError(.invalidRequest, Self.describe(error))
            }
        }
    }

    private static let bodyDecoder = JSONDecoder()

    /// The whole body: 413 over `limit` bytes, 408 when it does not arrive
    /// in time (a client trickling it; ``RequestBodyDeadline`` ends the stream),
    /// ``ClientLeft`` when the client closed the connection part-way through it.
    func collectBody(limit: Int) async throws -> ByteBuffer {
        do {
            return try await body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.payloadTooLarge, "the request body is larger than \(limit / 1024) KiB")
        } catch let timeout as RequestBodyTimeout {
            throw APIError(.requestTimeout, timeout.description)
        } catch let error as HTTPParserError {
            // The connection ended part-way through the body: nobody is left to answer.
            if error == .invalidEOFState { throw ClientLeft() }
            throw APIError(.invalidRequest, ParseErrorAnswer.describe(error))
        }
    }

    /// "content is required", "params.x must be a string": the field, then what is wrong with it.
    static func describe(_ error: DecodingError) -> String {
        func name(_ path: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            let field = (path + (last.map { [$0] } ?? [])).map(\.stringValue).joined(separator: ".")
            return field.isEmpty ? "the request body" : field
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(name(context.codingPath, key)) is required"
        case .valueNotFound(_, let context): return "\(name(context.codingPath)) is required"
        case .typeMismatch(let type, let context):
            let what = switch type {
            case is String.Type: "a string"
            case is [String: String].Type, is [String: Any].Type: "an object of strings"
            default: "of another type"
            }
            return "\(name(context.codingPath)) must be \(what)"
        case .dataCorrupted(let context): return "\(name(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "the request body is not valid: \(error)"
        }
    }
}

/// A request body of string fields that can be built from a flat object of
/// strings; nil when a required field is missing (the general decoder then
/// names it).
protocol StringFieldsBody: Decodable {
    init?(fields: [String: String])
}

/// Checks bearer tokens of either kind and turns refusals into 401s.
struct Authenticator: Sendable {
    let keys: LiveTokenAuthority

    func verify(_ request: Request, as kind: TokenKind) async throws -> VerifiedToken {
        guard let token = request.bearerToken else {
            throw APIError.unauthorized("\(kind == .auth ? "an auth" : "a shape") token is required: send Authorization: Bearer <token>")
        }
        do {
            return try await keys.current.verify(token, as: kind)
        } catch {
            throw APIError.unauthorized("\(kind.displayName) refused: \(error.message)", expired: error.reason == .expired)
        }
    }
}

/// Field rules of the write routes.
enum Field {
    /// Ids: 1..64 characters of `[A-Za-z0-9_-]` (UUIDs fit).
    static func id(_ value: String, _ name: String) throws -> String {
        guard (1...64).contains(value.utf8.count),
            value.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 })
        else {
            throw APIError(.invalidRequest, "\(name) must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -")
        }
        return value
    }

    /// Text trimmed of surrounding white space, `range` bytes (or characters) long, without NUL.
    static func text(_ raw: String, _ name: String, bytes range: ClosedRange<Int>? = nil, characters: ClosedRange<Int>? = nil) throws -> String {
        let text = trimmed(raw)
        if let range, !range.contains(text.utf8.count) {
            throw APIError(.invalidRequest, "\(name) must be \(range.lowerBound) to \(range.upperBound) bytes of UTF-8 after trimming")
        }
        if let characters, !characters.contains(text.count) {
            throw APIError(.invalidRequest, "\(name) must be \(characters.lowerBound) to \(characters.upperBound) characters")
        }
        guard !text.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw APIError(.invalidRequest, "\(name) must not contain NUL characters")
        }
        return text
    }

    /// `raw` without leading and trailing white space: the scalars of Foundation's
    /// `whitespacesAndNewlines` (Unicode's White_Space and the zero-width space
    /// U+200B), without Foundation's bridge to NSString.
    static func trimmed(_ raw: String) -> String {
        let scalars = raw.unicodeScalars
        let isSpace = { (scalar: Unicode.Scalar) in scalar.properties.isWhitespace || scalar.value == 0x200B }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }), let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return raw }
        return String(scalars[first...last])
    }
}
