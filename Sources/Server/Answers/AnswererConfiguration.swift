import Answering
import AsyncHTTPClient
import Logging

/// Which answerer `qactl serve` runs, and its settings.
public enum AnswererConfiguration: Sendable {
    /// Passages from a folder of Markdown/text files (nil: qactl's own docs).
    case builtin(knowledgeDirectory: String?)
    /// An OpenAI-compatible chat-completions endpoint, streamed.
    case openai(baseURL: String, model: String, apiKey: String?)
    /// A command that reads the question on stdin and writes the answer.
    case command(String)
    /// No answer worker: answers stay `pending` for an outside worker (an app's
    /// own model service writing the answer rows), which qactl syncs like any write.
    case none

    /// Builds the answerer; the HTTP client it may need is returned for shutdown.
    func make(timeout: Duration, logger: Logger) throws -> (any Answerer, HTTPClient?) {
        switch self {
        case .builtin(let directory):
            let knowledge = try directory.map { try KnowledgeBase.load(directory: $0) } ?? .qactlDocumentation
            logger.info("builtin answerer ready", metadata: ["documents": "\(knowledge.documentCount)"])
            return (BuiltinAnswerer(knowledge: knowledge), nil)
        case .openai(let baseURL, let model, let apiKey):
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: OpenAIAnswerer.recommendedHTTPClientConfiguration)
            return (OpenAIAnswerer(baseURL: baseURL, model: model, apiKey: apiKey, httpClient: client, requestTimeout: timeout), client)
        case .command(let command):
            return (CommandAnswerer(command: command, timeout: timeout, logger: logger), nil)
        case .none:
            return (BuiltinAnswerer(knowledge: KnowledgeBase(documents: [])), nil)
        }
    }
}
