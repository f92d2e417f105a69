import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import Answering

@Suite("OpenAI answerer")
struct OpenAIAnswererTests {
    /// One client for the whole suite, configured as the server is advised to.
    static let client = HTTPClient(
        eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
        configuration: OpenAIAnswerer.recommendedHTTPClientConfiguration)

    private func answerer(
        _ baseURL: String,
        stallTimeout: Duration = .seconds(30),
        requestTimeout: Duration = .seconds(120)
    ) -> OpenAIAnswerer {
        OpenAIAnswerer(
            baseURL: baseURL, model: "test-model", apiKey: "sk-test", httpClient: Self.client,
            requestTimeout: requestTimeout, stallTimeout: stallTimeout, systemPrompt: "Be brief.")
    }

    /// The pieces received before the stream ended, and its failure if it failed.
    private func collect(_ stream: AsyncThrowingStream<String, any Error>) async -> (pieces: [String], failure: String?) {
        var pieces: [String] = []
        do {
            for try await piece in stream { pieces.append(piece) }
            return (pieces, nil)
        } catch {
            return (pieces, "\(error)")
        }
    }

    @Test("streams the pieces in order and sends model, history, stream:true and the key")
    func normalStream() async throws {
        try await TestChatServer.with { server in
            let context = AnswerContext(question: "And a third?", history: [
                Exchange(question: "First?", answer: "One."),
                Exchange(question: "Second?", answer: "Two."),
            ])
            let result = await collect(answerer(server.baseURL(.normal) + "/").answer(context))
            #expect(result.failure == nil)
            #expect(result.pieces == ["Hello", ", wörld", " café"])

            let request = try #require(server.requests.withLock { $0.first })
            #expect(request.method == "POST")
            #expect(request.uri == "/normal/v1/chat/completions")
            #expect(request.header("Authorization") == "Bearer sk-test")
            #expect(request.header("Content-Type") == "application/json")
            let json = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
            #expect(json["stream"] as? Bool == true)
            #expect(json["model"] as? String == "test-model")
            let messages = try #require(json["messages"] as? [[String: String]])
            #expect(messages.map { $0["role"] ?? "" } == ["system", "user", "assistant", "user", "assistant", "user"])
            #expect(messages.map { $0["content"] ?? "" } == ["Be brief.", "First?", "One.", "Second?", "Two.", "And a third?"])
        }
    }

    @Test("no Authorization header without a key; only the most recent exchanges are sent")
    func noKeyAndHistoryLimit() async throws {
        try await TestChatServer.with { server in
            var answerer = OpenAIAnswerer(
                baseURL: server.baseURL(.normal), model: "m", apiKey: nil, httpClient: Self.client)
            answerer.historyLimit = 1
            let history = (1...3).map { Exchange(question: "q\($0)", answer: "a\($0)") }
            _ = await collect(answerer.answer(AnswerContext(question: "now", history: history)))
            let request = try #require(server.requests.withLock { $0.first })
            #expect(request.header("Authorization") == nil)
            let json = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
            let messages = try #require(json["messages"] as? [[String: String]])
            #expect(messages.dropFirst().map { $0["content"] ?? "" } == ["q3", "a3", "now"])
        }
    }

    @Test("a 500 fails with the status and the server's error message")
    func serverError() async throws {
        try await TestChatServer.with { server in
            let result = await collect(answerer(server.baseURL(.error500)).answer(AnswerContext(question: "hi")))
            #expect(result.pieces.isEmpty)
            let failure = try #require(result.failure)
            #expect(failure.contains("500"))
            #expect(failure.contains("model overloaded"))
        }
    }

    @Test("a stream cut before [DONE] fails as ended early, keeping what arrived")
    func cutStream() async throws {
        try await TestChatServer.with { server in
            let result = await collect(answerer(server.baseURL(.cut)).answer(AnswerContext(question: "hi")))
            #expect(result.pieces == ["Half an"])
            let failure = try #require(result.failure)
            #expect(failure == "the model's stream ended early (the connection was closed)")
        }
    }

    @Test("a response that ends without [DONE] fails as ended early")
    func missingDone() async throws {
        try await TestChatServer.with { server in
            let result = await collect(answerer(server.baseURL(.noDone)).answer(AnswerContext(question: "hi")))
            #expect(result.pieces == ["Almost"])
            #expect(result.failure == "the model's stream ended early")
        }
    }

    @Test("a stalled stream fails after the stall timeout")
    func stalledStream() async throws {
        try await TestChatServer.with { server in
            let clock = ContinuousClock()
            let start = clock.now
            let stream = answerer(server.baseURL(.stall), stallTimeout: .milliseconds(300)).answer(AnswerContext(question: "hi"))
            let result = await collect(stream)
            let elapsed = clock.now - start
            #expect(result.pieces == ["Thinking"])
            let failure = try #require(result.failure)
            #expect(failure.contains("stalled"))
            #expect(failure.contains("300ms"))
            // Far below the request timeout: the stall detection ended it.
            #expect(elapsed < .seconds(60))
        }
    }

    @Test("an error event inside the stream fails with its message")
    func errorEvent() async throws {
        try await TestChatServer.with { server in
            let result = await collect(answerer(server.baseURL(.errorEvent)).answer(AnswerContext(question: "hi")))
            #expect(result.pieces == ["Partial"])
            #expect(result.failure == "the model server reported an error: context length exceeded")
        }
    }

    @Test("a server that ignores stream:true still gives its answer")
    func wholeCompletion() async throws {
        try await TestChatServer.with { server in
            let result = await collect(answerer(server.baseURL(.whole)).answer(AnswerContext(question: "hi")))
            #expect(result.failure == nil)
            #expect(result.pieces == ["All at once."])
        }
    }

    @Test("cancelling the consumer cancels the request promptly")
    func cancellation() async throws {
        try await TestChatServer.with { server in
            let stream = answerer(server.baseURL(.stall)).answer(AnswerContext(question: "hi"))
            let consumer = Task {
                var pieces: [String] = []
                for try await piece in stream { pieces.append(piece) }
                return pieces
            }
            // Wait until the server has sent its one piece and is stalling.
            let clock = ContinuousClock()
            while server.requests.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(200))
            let start = clock.now
            consumer.cancel()
            _ = await consumer.result
            while server.closedConnections.withLock({ $0 }) == 0, clock.now - start < .seconds(20) {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(server.closedConnections.withLock { $0 } == 1)
        }
    }

    @Test("an unreachable server fails with a reason naming it")
    func unreachable() async throws {
        // A port that was just free: bind, note it, close.
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 1
        try await channel.close()
        let result = await collect(answerer("http://127.0.0.1:\(port)/v1").answer(AnswerContext(question: "hi")))
        let failure = try #require(result.failure)
        #expect(failure == "could not reach the model server at http://127.0.0.1:\(port)/v1/chat/completions: connection refused")
    }

    @Test("no response within the request timeout fails")
    func requestTimeout() async throws {
        // A listener that accepts but never answers.
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { channel.close(promise: nil) }
        let port = channel.localAddress?.port ?? 1
        let stream = answerer("http://127.0.0.1:\(port)/v1", requestTimeout: .milliseconds(400))
            .answer(AnswerContext(question: "hi"))
        let result = await collect(stream)
        #expect(result.failure == "the model server did not answer within 400ms")
    }
}

@Suite("Server-sent events parser")
struct ServerSentEventParserTests {
    @Test("lines split across chunks, CRLF and CR, comments, several data lines")
    func parsing() {
        var parser = ServerSentEventParser()
        var events: [ServerSentEventParser.Event] = []
        let stream = "\u{FEFF}: comment\r\ndata: one\r\ndata:two\r\n\r\nevent: ping\ndata: {\"a\":1}\n\nretry: 10\nid: 3\rdata: x\r\rdata: tail"
        for byte in Array(stream.utf8) { events += parser.feed([byte]) }
        events += parser.finish()
        #expect(events == [
            .init(type: nil, data: "one\ntwo"),
            .init(type: "ping", data: "{\"a\":1}"),
            .init(type: nil, data: "x"),
            .init(type: nil, data: "tail"),
        ])
    }

    @Test("an event with no data lines is not dispatched")
    func emptyEvents() {
        var parser = ServerSentEventParser()
        #expect(parser.feed(Array("event: x\n\n\n\n: c\n\n".utf8)).isEmpty)
        #expect(parser.finish().isEmpty)
    }
}
