import Foundation
import Hummingbird
import Tokens

extension Request {
    /// Runs `respond`; for a live long-poll, cancels it as soon as the client
    /// goes away, so no waiter outlives its client. Hummingbird then closes
    /// the connection after the response, which the response says.
    func respond(live: Bool, _ respond: @Sendable () async throws -> Response) async throws -> Response {
        guard live else { return try await respond() }
        var response = try await body.consumeWithCancellationOnInboundClose { _ in try await respond() }
        response.headers[.connection] = "close"
        return response
    }

    /// The bearer token of the `Authorization` header, if any.
    var bearerToken: String? {
        guard let header = headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// The body as a JSON object: 413 over `limit` bytes, 408 when it does
    /// not arrive whole within `timeout` (a client trickling it), 400 when it
    /// is not a JSON object.
    mutating func jsonObject(limit: Int = 64 * 1024, timeout: Duration = .seconds(30)) async throws -> [String: Any] {
        let body = self.body
        let buffer: ByteBuffer
        do {
            buffer = try await withThrowingTaskGroup(of: ByteBuffer.self) { group in
                group.addTask { try await body.collect(upTo: limit) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw APIError(.requestTimeout, "the request body did not arrive within \(timeout.components.seconds) s")
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw CancellationError() }
                return first
            }
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(.payloadTooLarge, "the request body is larger than \(limit / 1024) KiB")
        }
        guard buffer.readableBytes > 0 else { throw APIError(.invalidRequest, "the request body is empty; send a JSON object") }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))) as? [String: Any] else {
            throw APIError(.invalidRequest, "the request body is not a JSON object")
        }
        return object
    }
}

/// Checks bearer tokens of either kind and turns refusals into 401s.
struct Authenticator: Sendable {
    let authority: TokenAuthority

    func verify(_ request: Request, as kind: TokenKind) async throws -> VerifiedToken {
        guard let token = request.bearerToken else {
            throw APIError.unauthorized("an \(kind == .auth ? "auth" : "shape") token is required: send Authorization: Bearer <token>")
        }
        do {
            return try await authority.verify(token, as: kind)
        } catch {
            throw APIError.unauthorized("\(kind.displayName) refused: \(error.message)", expired: error.reason == .expired)
        }
    }
}

/// Field rules of the write routes.
enum Field {
    /// Ids: 1..64 characters of `[A-Za-z0-9_-]` (UUIDs fit).
    static func id(_ object: [String: Any], _ name: String, required: Bool = true) throws -> String? {
        guard let value = object[name], !(value is NSNull) else {
            if required { throw APIError(.invalidRequest, "\(name) is required") }
            return nil
        }
        guard let text = value as? String, (1...64).contains(text.utf8.count),
            text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 })
        else {
            throw APIError(.invalidRequest, "\(name) must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -")
        }
        return text
    }

    /// Text trimmed of surrounding white space, `range` bytes (or characters) long.
    static func text(_ object: [String: Any], _ name: String, bytes range: ClosedRange<Int>? = nil, characters: ClosedRange<Int>? = nil) throws -> String {
        guard let raw = object[name] as? String else { throw APIError(.invalidRequest, "\(name) is required and must be a string") }
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
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
}
