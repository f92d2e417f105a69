import LocalSetup
import QACtlSync

/// Why `qactl chat` stopped: a message a person can act on, and the exit code
/// the README assigns to that kind of failure.
///
/// ```swift
/// do {
///     try await ChatRunner(options: options).run()
/// } catch {
///     print("qactl: \(error.message)")
///     exit(error.exitCode)
/// }
/// ```
public struct ChatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kinds of failure, each with its exit code.
    public enum Kind: String, Sendable {
        /// Exit 1: the answer failed, the server could not be reached, a local file is unusable.
        case failure
        /// Exit 2: the options do not make sense together, or a value is malformed.
        case usage
        /// Exit 3: no usable identity, or the server refused it (401/403).
        case refused
        /// Exit 4: `--ask` gave up waiting.
        case timedOut
    }

    /// Which failure.
    public let kind: Kind
    /// One line: what went wrong and what to do.
    public let message: String

    /// An error of `kind`, explained by `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The process exit status (README, exit codes).
    public var exitStatus: ExitStatus {
        switch kind {
        case .failure: .failure
        case .usage: .usage
        case .refused: .refused
        case .timedOut: .timedOut
        }
    }

    /// The ``message``, so `"\(error)"` reads as one line.
    public var description: String { message }

    /// Classifies an error from the sync client or the API: refusals (401,
    /// 403) become ``Kind/refused``, txid timeouts ``Kind/timedOut``, the rest
    /// ``Kind/failure``; `doing` says what was being attempted.
    static func from(_ error: any Error, doing: String, server: String) -> ChatError {
        switch error {
        case let error as ChatError:
            return error
        case let refused as OutboxRefusedError:
            // A queued write refused for good: classified like the API's refusal itself.
            return from(refused.error, doing: doing, server: server)
        case let error as APIError where error.status == 401:
            return ChatError(.refused, "\(doing): the server refused the auth token (\(error.message)); mint a new one with --user NAME or `qactl token mint auth`")
        case let error as APIError where error.status == 403:
            return ChatError(.refused, "\(doing): not allowed (\(error.message))")
        case let error as APIError where error.code == ChatSession.conversationRefused:
            // Refused by chat itself, not by an HTTP answer: no status to show.
            return ChatError(.failure, "\(doing): \(error.message)")
        case let error as APIError where error.code == "network_error":
            return ChatError(.failure, "\(doing): cannot reach \(server) (\(error.message)); is `qactl serve` running there?")
        case let error as APIError:
            return ChatError(.failure, "\(doing): \(error.message.isEmpty ? error.code : error.message) (\(error.code), HTTP \(error.status))")
        case let error as ShapeStreamError where error.kind == .unauthorized || error.kind == .forbidden:
            return ChatError(.refused, "\(doing): \(error.message)")
        case let error as TxIdTimeoutError:
            return ChatError(.timedOut, "\(doing): the write was accepted but did not sync back in time (\(error.message))")
        case let error as any SyncClientError:
            return ChatError(.failure, "\(doing): \(error.message)")
        default:
            return ChatError(.failure, "\(doing): \(error)")
        }
    }
}
