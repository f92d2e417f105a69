import Foundation
import HTTPTypes
import Hummingbird
import ShapeWire
import Testing
import QACtlTestSupport

/// Answer generation seen the way a synced client sees it: through a live shape.
@Suite(.serialized) struct AnswerTests {
    let dir = TemporaryDirectory()

    /// Sends a question and follows the conversation's shape until the answer
    /// ends, recording every state of the answer row.
    func askAndWatch(_ server: ServeProcess, question: String, timeout: Duration = .seconds(30)) async throws -> [(status: String, content: String)] {
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        try await api.conversation("c-1", token: alice)
        let token = try #require(try await api.shapeToken(table: "messages", params: ["conversationId": "c-1"], token: alice).1)
        var follow = ServerAPI.Follow()
        try await api.catchUp(&follow, token: token)
        let sent = try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "q-1", "answerId": "a-1", "content": question], token: alice)
        #expect(sent.status == 200)
        return try await watch(api, follow: &follow, token: token, timeout: timeout)
    }

    func watch(_ api: ServerAPI, follow: inout ServerAPI.Follow, token: String, timeout: Duration) async throws -> [(status: String, content: String)] {
        var states: [(status: String, content: String)] = []
        var row: [String: String] = [:]
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let seen = follow.messages.count
            let answer = try await api.follow(&follow, token: token, live: true)
            guard answer.status == 200 else { throw TestFailure("live poll answered \(answer.status)") }
            for message in follow.messages[seen...] {
                guard let value = message["value"] as? [String: String], value["id"] == "a-1" else { continue }
                row.merge(value) { $1 }
                states.append((row["status"] ?? "", row["content"] ?? ""))
            }
            if let status = states.last?.status, status == "completed" || status == "failed" { return states }
        }
        throw TestFailure("the answer did not finish: \(states)")
    }

    @Test func theBuiltinAnswererAnswersFromQactlsOwnDocs() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let states = try await askAndWatch(server, question: "How do I mint a shape token?")
        #expect(states.first?.status == "pending")
        #expect(states.contains { $0.status == "streaming" })
        let final = try #require(states.last)
        #expect(final.status == "completed")
        #expect(final.content.contains("qactl token mint shape"))
        #expect(final.content.contains("README.md") || final.content.contains("commands.md"))
        try await server.stop()
    }

    @Test func aCommandAnswerStreamsAsItGrows() async throws {
        let script = "read question; printf 'You asked: %s.' \"$question\"; sleep 0.4; printf ' Part two.'; sleep 0.4; printf ' Done.'"
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--answerer", "command", "--answer-command", script])
        // The banner's lines after "listening" may still be on their way.
        try await eventually("the banner names the command answerer", timeout: .seconds(10)) { server.stdout.contains("answers   command") }
        let states = try await askAndWatch(server, question: "why $(touch \(dir.path)/pwned)?")
        #expect(states.map(\.status).first == "pending")
        let streaming = states.filter { $0.status == "streaming" }.map(\.content)
        #expect(streaming.contains { $0.hasPrefix("You asked:") && !$0.contains("Done") }, "partial content was synced: \(streaming)")
        #expect(states.last?.status == "completed")
        #expect(states.last?.content == "You asked: why $(touch \(dir.path)/pwned)?. Part two. Done.")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/pwned"))
        try await server.stop()
    }

    @Test func whatAnAnswererPrintedIsSyncedWhileItPauses() async throws {
        // Nothing more comes for 3 s: the first words must not wait for the next piece.
        let script = "cat >/dev/null; printf 'First words.'; sleep 3; printf ' Last words.'"
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--answerer", "command", "--answer-command", script])
        let states = try await askAndWatch(server, question: "Take your time")
        #expect(states.contains { $0.status == "streaming" && $0.content == "First words." }, "\(states)")
        #expect(states.last?.status == "completed" && states.last?.content == "First words. Last words.", "\(states)")
        try await server.stop()
    }

    @Test func failingAndHangingCommandsFailWithAReason() async throws {
        var server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--answerer", "command", "--answer-command", "echo 'model not found' >&2; exit 3"])
        var states = try await askAndWatch(server, question: "anything")
        #expect(states.last?.status == "failed")
        #expect(states.last?.content.contains("exited with status 3") == true)
        try await server.stop()

        let other = TemporaryDirectory()
        server = try await ServeProcess.start(dataDirectory: other.path, arguments: ["--answerer", "command", "--answer-command", "sleep 30", "--answer-timeout", "1s"])
        states = try await askAndWatch(server, question: "anything")
        #expect(states.last?.status == "failed")
        #expect(states.last?.content.contains("timed out") == true)
        try await server.stop()
    }

    @Test func theOpenAIAnswererStreamsFromACompatibleServer() async throws {
        let model = try await FakeChatServer.start()
        let server = try await ServeProcess.start(
            dataDirectory: dir.path, arguments: ["--answerer", "openai", "--llm-url", model.baseURL + "/v1", "--llm-model", "test-model"])
        let states = try await askAndWatch(server, question: "Tell me about shapes")
        #expect(states.last?.status == "completed")
        #expect(states.last?.content == "Shapes are live subsets of tables.")
        // Partial content synced while the model was still writing (coalesced to ≤ 1 write per 100 ms).
        #expect(states.contains { $0.status == "streaming" && $0.content.hasPrefix("Shapes are") && $0.content != "Shapes are live subsets of tables." }, "\(states)")
        try await server.stop()

        let failing = TemporaryDirectory()
        let broken = try await ServeProcess.start(
            dataDirectory: failing.path, arguments: ["--answerer", "openai", "--llm-url", model.baseURL + "/broken", "--llm-model", "test-model"])
        let failed = try await askAndWatch(broken, question: "Tell me about shapes")
        #expect(failed.last?.status == "failed")
        #expect(failed.last?.content.contains("model overloaded") == true)
        try await broken.stop()
        await model.stop()
    }

    @Test func shutdownAndCrashLeaveAnswersToTheNextStart() async throws {
        let messages = TableSchema(name: "messages", columns: [
            .init(name: "id", type: "text", primaryKeyIndex: 0), .init(name: "status", type: "text"), .init(name: "content", type: "text"),
        ])
        // SIGTERM while an answer is being written: it keeps what it has and
        // stays unfinished (never marked failed), as after a crash.
        var server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--answerer", "command", "--answer-command", "printf 'Half an answer'; sleep 30"])
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        try await api.conversation("c-1", token: alice)
        #expect(try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "q-1", "answerId": "a-1", "content": "first"], token: alice).status == 200)
        try await Task.sleep(for: .milliseconds(600))
        #expect(try await server.stop() == 0)
        let store = try TestData(server: server).store
        var rows = try await store.snapshot(of: messages, filter: nil).rows
        let interrupted = try #require(rows.first { $0["id"] == "a-1" })
        #expect(interrupted["status"] == "streaming")
        #expect(interrupted["content"] == "Half an answer")

        // A crash leaves an answer pending.
        server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--answerer", "command", "--answer-command", "sleep 30"])
        #expect(try await ServerAPI(server: server).post("/questions/send", json: ["conversationId": "c-1", "questionId": "q-2", "answerId": "a-2", "content": "second"], token: alice).status == 200)
        try await Task.sleep(for: .milliseconds(300))
        try await server.stop(signal: SIGKILL)

        // The next start answers both.
        server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--answerer", "command", "--answer-command", "cat"])
        try await eventually("both answers completed", timeout: .seconds(15)) {
            rows = try await store.snapshot(of: messages, filter: nil).rows
            return rows.filter { ["a-1", "a-2"].contains($0["id"] ?? "") && $0["status"] == "completed" }.count == 2
        }
        #expect(rows.first { $0["id"] == "a-1" }?["content"] == "first")
        #expect(rows.first { $0["id"] == "a-2" }?["content"] == "second")
        try await server.stop()
    }
}

/// An OpenAI-compatible chat-completions server speaking the real streaming
/// format (mocked: no model server runs on this machine).
final class FakeChatServer: Sendable {
    let baseURL: String
    private let task: Task<Void, any Error>

    private init(baseURL: String, task: Task<Void, any Error>) {
        self.baseURL = baseURL
        self.task = task
    }

    static func start() async throws -> FakeChatServer {
        let router = Router()
        router.post("/v1/chat/completions") { _, _ -> Response in
            let chunks = ["Shapes are", " live subsets", " of tables."]
            let body = ResponseBody { writer in
                for chunk in chunks {
                    let event = #"{"id":"1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"\#(chunk)"}}]}"#
                    try await writer.write(ByteBuffer(string: "data: \(event)\n\n"))
                    try await Task.sleep(for: .milliseconds(250))
                }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            return Response(status: .ok, headers: headers, body: body)
        }
        router.post("/broken/chat/completions") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .internalServerError, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":{"message":"model overloaded","type":"server_error"}}"#)))
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) })
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("the fake model server did not start") }
        return FakeChatServer(baseURL: "http://127.0.0.1:\(port)", task: task)
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}
