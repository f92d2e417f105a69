import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TransportFailures

/// Streams answers from any OpenAI-compatible chat completions endpoint (llama.cpp server,
/// Ollama, vLLM, hosted APIs): `POST {baseURL}/chat/completions` with `stream: true`, the
/// conversation so far as context, the answer read from the server-sent events.
///
/// Failures carry a reason for the answer row: the HTTP status and the server's error
/// message, a stream that ended before `[DONE]`, a stream that stalled, no answer in time.
public struct OpenAIAnswerer: Answerer {
    /// The API root, such as `http://127.0.0.1:8080/v1`; `/chat/completions` is appended.
    public let baseURL: String
    /// The model name sent in every request.
    public let model: String
    /// Sent as `Authorization: Bearer …` when present and not empty.
    let apiKey: String?
    let httpClient: HTTPClient
    /// How long to wait from sending the request until the first bytes of the answer: this
    /// covers connecting, the response head and the model reading the prompt.
    public var requestTimeout: Duration
    /// Once the answer has started, the longest silence (no bytes at all) before giving up.
    public var stallTimeout: Duration
    /// The first message of every request.
    public var systemPrompt: String
    /// Only the most recent exchanges of a long conversation are sent, so that it keeps
    /// fitting the model's context window.
    public var historyLimit = 20
    /// An answer (or a single event) larger than this fails instead of growing without bound.
    public var maximumAnswerBytes = 1 << 20

    /// The system prompt used unless another is given.
    public static let defaultSystemPrompt = """
        You answer questions in a chat. Answer clearly and concisely, in the language of the \
        question. Earlier questions and answers of the conversation are given for context.
        """

    /// An answerer that asks `model` at `baseURL` through `httpClient` (which the caller owns and shuts down).
    public init(
        baseURL: String,
        model: String,
        apiKey: String?,
        httpClient: HTTPClient,
        requestTimeout: Duration = .seconds(120),
        stallTimeout: Duration = .seconds(30),
        systemPrompt: String = OpenAIAnswerer.defaultSystemPrompt
    ) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
        self.httpClient = httpClient
        self.requestTimeout = requestTimeout
        self.stallTimeout = stallTimeout
        self.systemPrompt = systemPrompt
    }

    /// The full URL requests go to.
    public var endpoint: String {
        var root = baseURL
        while root.hasSuffix("/") { root.removeLast() }
        return root + "/chat/completions"
    }

    /// Streams the model's answer as its pieces arrive; cancelling the consumer cancels the request.
    public func answer(_ context: AnswerContext) -> AsyncThrowingStream<String, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await self.stream(context) { piece in continuation.yield(piece) }
                    continuation.finish()
                } catch let failure as AnswerFailure {
                    continuation.finish(throwing: failure)
                } catch {
                    continuation.finish(throwing: Task.isCancelled ? error : AnswerFailure(self.describe(error)))
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The messages sent for `context`: the system prompt, each earlier exchange as a user
    /// and an assistant message, then the question.
    func messages(for context: AnswerContext) -> [OpenAIWire.Message] {
        var messages = [OpenAIWire.Message(role: "system", content: systemPrompt)]
        for exchange in context.history.suffix(max(historyLimit, 0)) {
            messages.append(OpenAIWire.Message(role: "user", content: exchange.question))
            messages.append(OpenAIWire.Message(role: "assistant", content: exchange.answer))
        }
        messages.append(OpenAIWire.Message(role: "user", content: context.question))
        return messages
    }

    func makeRequest(for context: AnswerContext) throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "text/event-stream")
        request.headers.add(name: "User-Agent", value: "qactl")
        if let apiKey, !apiKey.isEmpty {
            request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        }
        let body = OpenAIWire.Request(model: model, messages: messages(for: context), stream: true)
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        return request
    }

    /// A readable reason for a transport error.
    func describe(_ error: any Error) -> String {
        if let failure = error as? AnswerFailure { return failure.reason }
        if let clientError = error as? HTTPClientError {
            switch clientError {
            // What the shared wording cannot know: the endpoint and this answerer's timeout.
            case .invalidURL, .emptyHost, .emptyScheme:
                return "the model server URL \(endpoint) is not valid"
            case .deadlineExceeded, .readTimeout:
                return "the model server did not answer within \(Wording.duration(requestTimeout))"
            default:
                break
            }
        }
        return "could not reach the model server at \(endpoint): \(TransportFailure.describe(error))"
    }

    /// A client configuration that suits this answerer: a refused connection fails at once
    /// instead of being retried until the connect timeout, and there is no read timeout
    /// because ``stallTimeout`` watches the stream (a model may think for a while).
    public static var recommendedHTTPClientConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10), read: nil)
        )
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }
}
