import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TransportFailures
import Synchronization

extension OpenAIAnswerer {
    /// What the watchdog needs to know about one request, shared by the
    /// reading task and the watchdog.
    final class Progress: Sendable {
        let started = ContinuousClock.now
        private let lastBytesAt = Mutex<ContinuousClock.Instant?>(nil)

        /// When bytes of the answer last arrived; nil until the first ones do.
        var lastBytes: ContinuousClock.Instant? { lastBytesAt.withLock { $0 } }

        func sawBytes() { lastBytesAt.withLock { $0 = .now } }
    }

    /// Error bodies are read up to this size; the message is at the start anyway.
    static let errorBodyLimit = 64 * 1024
    /// A non-streamed completion (a server that ignored `stream: true`) is read up to this size.
    static let wholeBodyLimit = 8 * 1024 * 1024

    /// Sends the request and hands each piece of the answer to `emit`, racing the exchange
    /// against a watchdog that enforces ``requestTimeout`` and ``stallTimeout``.
    func stream(_ context: AnswerContext, emit: @escaping @Sendable (String) -> Void) async throws {
        let request: HTTPClientRequest
        do {
            request = try makeRequest(for: context)
        } catch {
            throw AnswerFailure("could not encode the request for the model server: \(error)")
        }
        let progress = Progress()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.exchange(request, progress: progress, emit: emit) }
            group.addTask { try await self.watch(progress) }
            // Whichever ends first decides: the answer is complete, or it failed, or it timed out.
            // The other is cancelled, which cancels the HTTP request if it is still running.
            try await group.next()
            group.cancelAll()
        }
    }

    /// Throws when the answer has not started within ``requestTimeout`` or has been silent
    /// for ``stallTimeout``; runs until cancelled otherwise.
    private func watch(_ progress: Progress) async throws {
        // The deadline moves whenever bytes arrive, so look again at this interval rather
        // than sleeping until a deadline that may have moved (or shrunk, at the first bytes).
        let shortest = min(stallTimeout, requestTimeout)
        let interval = max(shortest / 4, .milliseconds(10))
        while true {
            let (deadline, failure) = { () -> (ContinuousClock.Instant, AnswerFailure) in
                if let last = progress.lastBytes {
                    return (last + stallTimeout, AnswerFailure(
                        "the model's stream stalled: nothing arrived for \(Wording.duration(stallTimeout))"
                    ))
                }
                return (progress.started + requestTimeout, AnswerFailure(
                    "the model server did not answer within \(Wording.duration(requestTimeout))"
                ))
            }()
            let now = ContinuousClock.now
            if now >= deadline { throw failure }
            try await Task.sleep(until: min(deadline, now + interval), clock: .continuous)
        }
    }

    private func exchange(
        _ request: HTTPClientRequest,
        progress: Progress,
        emit: @Sendable (String) -> Void
    ) async throws {
        let response: HTTPClientResponse
        do {
            // A second later than the watchdog, whose message is the one to show; this only
            // makes sure the connection attempt itself is abandoned too.
            let limit = TimeAmount.milliseconds(min(Wording.milliseconds(requestTimeout), Wording.aYear) + 1000)
            response = try await httpClient.execute(request, deadline: .now() + limit)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw AnswerFailure(describe(error))
        }
        guard (200..<300).contains(response.status.code) else {
            let body = try await readBody(response, limit: Self.errorBodyLimit, progress: progress)
            throw AnswerFailure(statusReason(response.status, body: body))
        }
        let contentType = response.headers.first(name: "content-type")?.lowercased() ?? ""
        if contentType.hasPrefix("application/json") {
            let body = try await readBody(response, limit: Self.wholeBodyLimit, progress: progress)
            try emitWholeCompletion(body, emit: emit)
        } else {
            try await readEventStream(response, progress: progress, emit: emit)
        }
    }

    private func readEventStream(
        _ response: HTTPClientResponse,
        progress: Progress,
        emit: @Sendable (String) -> Void
    ) async throws {
        var parser = ServerSentEventParser()
        var done = false
        var produced = false
        var answerBytes = 0
        let tooLarge = AnswerFailure("the model's answer grew past \(Wording.size(maximumAnswerBytes))")

        func handle(_ event: ServerSentEventParser.Event) throws {
            let data = event.data.trimmingCharacters(in: .whitespaces)
            if data == "[DONE]" {
                done = true
                return
            }
            if event.type == "error" {
                let message = OpenAIWire.errorMessage(inBody: Data(data.utf8)) ?? "unknown error"
                throw AnswerFailure("the model server reported an error: \(message)")
            }
            guard let content = OpenAIWire.content(ofEvent: data) else {
                throw AnswerFailure("the model server sent an event that is not JSON: \(OpenAIWire.oneLine(data, limit: 100))")
            }
            switch content {
            case .error(let message):
                throw AnswerFailure("the model server reported an error: \(OpenAIWire.oneLine(message))")
            case .text(let text):
                guard !text.isEmpty else { return }
                answerBytes += text.utf8.count
                guard answerBytes <= maximumAnswerBytes else { throw tooLarge }
                produced = true
                emit(text)
            }
        }

        do {
            reading: for try await buffer in response.body {
                progress.sawBytes()
                for event in parser.feed(buffer.readableBytesView) {
                    try handle(event)
                    // Nothing after [DONE] matters; leaving the loop releases the connection.
                    if done { break reading }
                }
                // An event that never ends (no blank line, no line end) is as bad as a huge answer.
                if parser.pendingByteCount > maximumAnswerBytes { throw tooLarge }
            }
        } catch let failure as AnswerFailure {
            throw failure
        } catch {
            if Task.isCancelled { throw CancellationError() }
            // A response cut off in the middle of its chunked body surfaces as a parser error.
            let closed = error is HTTPParserError || (error as? HTTPClientError) == .remoteConnectionClosed
            let cause = closed ? "the connection was closed" : TransportFailure.describe(error)
            throw AnswerFailure("the model's stream ended early (\(cause))")
        }
        if !done {
            for event in parser.finish() where !done { try handle(event) }
        }
        guard done else { throw AnswerFailure("the model's stream ended early") }
        guard produced else { throw AnswerFailure("the model returned an empty answer") }
    }

    /// A server that ignored `stream: true` sends the whole completion as one JSON object.
    private func emitWholeCompletion(_ body: Data, emit: @Sendable (String) -> Void) throws {
        switch OpenAIWire.content(ofEvent: String(decoding: body, as: UTF8.self)) {
        case .text(let text) where !text.isEmpty:
            emit(text)
        case .text:
            throw AnswerFailure("the model returned an empty answer")
        case .error(let message):
            throw AnswerFailure("the model server reported an error: \(OpenAIWire.oneLine(message))")
        case nil:
            throw AnswerFailure("the model server's answer is not JSON")
        }
    }

    /// Reads at most `limit` bytes of the body; the rest is left unread.
    private func readBody(_ response: HTTPClientResponse, limit: Int, progress: Progress) async throws -> Data {
        var body = Data()
        do {
            for try await buffer in response.body {
                progress.sawBytes()
                body.append(contentsOf: buffer.readableBytesView.prefix(limit - body.count))
                if body.count >= limit { break }
            }
        } catch {
            if Task.isCancelled { throw CancellationError() }
            // A broken error body still leaves the status to report.
        }
        return body
    }

    /// "the model server answered HTTP 500 Internal Server Error: model overloaded".
    func statusReason(_ status: HTTPResponseStatus, body: Data) -> String {
        var reason = "the model server answered HTTP \(status.code) \(status.reasonPhrase)"
        if let message = OpenAIWire.errorMessage(inBody: body) { reason += ": \(message)" }
        if status == .unauthorized || status == .forbidden { reason += " (check OPENAI_API_KEY)" }
        return reason
    }
}
