import AsyncHTTPClient
import Foundation
import NIOCore
import TransportFailures

/// Reads the inspector's JSON from a running `qactl serve`, for `qactl inspect`.
public struct InspectionClient: Sendable {
    public enum Failure: Error, CustomStringConvertible {
        /// 401 or 403: the secret is wrong, or the server has none.
        case refused(String)
        case notFound(String)
        case unreachable(String)
        case unexpected(String)

        public var description: String {
            switch self {
            case .refused(let message), .notFound(let message), .unexpected(let message): message
            case .unreachable(let message): "cannot reach the server: \(message)"
            }
        }
    }

    public let server: String
    public let secret: String

    public init(server: String, secret: String) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.secret = secret
    }

    /// The JSON object at `view`'s path (`argument`: a shape's handle, or a user).
    public func fetch(_ view: InspectionReport.View, argument: String? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: server + view.path(argument: argument))
        request.headers.add(name: "authorization", value: "Bearer \(secret)")
        let body: ByteBuffer
        let status: UInt
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
            status = response.status.code
            body = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw Failure.unreachable("\(server) (\(TransportFailure.describe(error)))")
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any]
        let message = ((object?["error"] as? [String: Any])?["message"] as? String) ?? "the server answered \(status)"
        switch status {
        case 200: break
        case 401, 403: throw Failure.refused(message)
        case 404: throw Failure.notFound(message)
        default: throw Failure.unexpected(message)
        }
        guard let object else { throw Failure.unexpected("the server's answer is not a JSON object") }
        return object
    }
}
