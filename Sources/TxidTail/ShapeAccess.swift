import AsyncHTTPClient
import Foundation
import LocalSetup
import NIOCore
import ShapeWire
import QACtlSync
import Tokens
import TransportFailures

/// The API client, shape tokens and starting position of shape mode, with
/// every failure turned into a ``TailError`` that says what to do.
struct ShapeAccess: Sendable {
    let source: ShapeSource
    let api: APIClient
    let httpClient: HTTPClient

    /// `--token` is used as given; `--user` mints a fresh auth token for every
    /// API call with the data dir's auth key (read, never created: a new key
    /// would sign tokens the server does not know).
    init(source: ShapeSource, httpClient: HTTPClient) throws(TailError) {
        self.source = source
        self.httpClient = httpClient
        switch source.credentials {
        case .token(let token):
            api = APIClient(baseURL: source.server, authToken: token, httpClient: httpClient)
        case .user(let user, let directory):
            let minter: LocalUserTokens
            do {
                minter = try LocalUserTokens(user: user, dataDirectory: DataDirectory(directory))
            } catch .noSigningKey(let keysDirectory) {
                throw TailError(
                    .keysUnavailable,
                    "no auth signing key in \(keysDirectory); --user signs its token with the server's key, so pass the data dir "
                        + "that qactl serve uses (--data-dir or QACTL_DATA_DIR), or give --token JWT")
            } catch {
                throw TailError(.keysUnavailable, error.description)
            }
            api = APIClient(baseURL: source.server, httpClient: httpClient) { try await minter.token() }
        }
    }

    /// An HTTP client that reports a refused connection at once: by default
    /// AsyncHTTPClient retries connecting until the request's deadline, which
    /// would hide a wrong `--server` for 30 s. The shape stream retries with its own backoff.
    static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// A first shape token, fetched before following so that a wrong server,
    /// user or conversation fails at once instead of being retried forever.
    func firstToken(from tokens: ShapeTokenProvider) async throws(TailError) -> ShapeToken {
        do {
            return try await tokens.token(for: source.tokenRequest)
        } catch {
            throw Self.tailError(error, server: source.server)
        }
    }

    /// The shape's current position (`offset=now`): following from there skips its history.
    func currentPosition(token: String) async throws(TailError) -> ShapePosition {
        var request = HTTPClientRequest(url: source.server + "/shape?offset=now")
        request.headers.add(name: "authorization", value: "Bearer \(token)")
        let status: Int
        let headers: [String: String]
        let body: String
        do {
            let response = try await httpClient.execute(request, timeout: .seconds(45))
            var buffer = try await response.body.collect(upTo: 1 << 20)
            status = Int(response.status.code)
            headers = Dictionary(response.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
            body = buffer.readString(length: buffer.readableBytes) ?? ""
        } catch {
            throw TailError(.unreachable, "cannot reach \(source.server) (\(TransportFailure.describe(error))); is qactl serve running there?")
        }
        switch status {
        case 200..<300:
            guard let handle = headers[ShapeHeader.handle], let offset = headers[ShapeHeader.offset].flatMap(Offset.init) else {
                throw TailError(.shapeFailed, "GET /shape?offset=now answered \(status) without electric-handle and electric-offset headers")
            }
            return ShapePosition(handle: handle, offset: offset, schema: headers[ShapeHeader.schema])
        case 401, 403:
            throw TailError(.refused, "GET /shape refused the shape token (\(status)): \(body.prefix(300))")
        default:
            throw TailError(.shapeFailed, "GET /shape?offset=now answered \(status): \(body.prefix(300))")
        }
    }

    /// The ``TailError`` for a failure of the API, the token source or the shape stream.
    static func tailError(_ error: any Error, server: String) -> TailError {
        switch error {
        case let error as TailError:
            return error
        case let error as APIError where error.status == 401:
            return TailError(
                .refused,
                "\(server) refused the auth token (\(error.message)); with --user, pass the server's --data-dir; "
                    + "with --token, mint a fresh one (qactl token mint auth --sub NAME)")
        case let error as APIError where error.status == 403:
            return TailError(.refused, "\(server) refused access: \(error.message)")
        case let error as APIError where error.status == 0:
            return TailError(.unreachable, "cannot reach \(server) (\(error.message)); is qactl serve running there?")
        case let error as APIError:
            return TailError(.shapeFailed, "\(server) answered \(error.status): \(error.description)")
        case let error as ShapeStreamError where error.kind == .unauthorized || error.kind == .forbidden:
            return TailError(.refused, error.message)
        case let error as ShapeStreamError:
            return TailError(.shapeFailed, error.description)
        default:
            return TailError(.shapeFailed, "\(error)")
        }
    }
}
