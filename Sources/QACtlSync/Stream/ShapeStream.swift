import AsyncHTTPClient
import Foundation
import NIOCore
import ShapeWire

/// Follows one shape over HTTP: the initial snapshot, catch-up, then live
/// long-polls, delivering a ``ShapeBatch`` at every up-to-date.
///
/// It retries 429, 5xx and network failures with full-jitter backoff (honouring
/// `Retry-After`), refreshes the token on 401, restarts from `-1` on 409 or an
/// out-of-bounds offset (telling the consumer with ``ShapeEvent/mustRefetch(reason:)``),
/// and stops when its task is cancelled.
///
/// ```swift
/// let stream = ShapeStream(configuration)
/// try await stream.run { event in
///     if case .batch(let batch) = event { print(batch.changes.count, "changes") }
/// }
/// ```
public final class ShapeStream: Sendable {
    /// Where and how the stream syncs.
    public let configuration: ShapeStreamConfiguration
    let transport: HTTPTransport

    /// A stream that runs when ``run(_:)`` or ``events()`` is called.
    public init(_ configuration: ShapeStreamConfiguration, httpClient: HTTPClient = .shared) {
        self.configuration = configuration
        self.transport = HTTPTransport(client: httpClient)
    }

    /// Runs the protocol until the task is cancelled (then returns) or a failure
    /// retrying cannot fix (then throws a ``ShapeStreamError`` or the token
    /// source's ``APIError``). Each event is handed over, and awaited, in order.
    public func run(_ onEvent: (ShapeEvent) async throws -> Void) async throws {
        let reserved = Set(configuration.parameters.keys).intersection(ShapeStreamConfiguration.reservedParameters)
        guard reserved.isEmpty else {
            throw ShapeStreamError(
                .invalidConfiguration, "query parameters \(reserved.sorted().joined(separator: ", ")) are set by the stream itself; remove them")
        }
        guard URLComponents(string: configuration.url)?.host != nil else {
            throw ShapeStreamError(.invalidConfiguration, "\"\(configuration.url)\" is not an absolute http(s) URL")
        }
        var state = ShapeStreamState(resume: configuration.resume, startsAtNow: configuration.syncMode == .onDemand)
        var failures = 0
        var refusals = 0
        var shortEventStreams = 0
        while !Task.isCancelled {
            var request = state.nextRequest()
            // SSE once live, unless connections keep closing at once (a buffering proxy).
            let useEvents = request.isLive && configuration.liveMode == .serverSentEvents && shortEventStreams < Self.maxShortEventStreams
            if useEvents { request.query += [(ShapeParameter.liveSSE, "true"), (ShapeParameter.experimentalLiveSSE, "true")] }
            var token: String?
            if let authorization = configuration.authorization {
                do {
                    token = try await authorization.token()
                } catch {
                    guard !Task.isCancelled else { return }
                    if let apiError = error as? APIError, !apiError.isTransient { throw apiError }
                    if error is CancellationError { return }
                    guard await pause(configuration.backoff.delay(attempt: failures)) else { return }
                    failures += 1
                    continue
                }
            }
            let url = self.url(for: request)
            configuration.onRequest?(ShapeRequestInfo(url: url, offset: request.offset, handle: request.handle, isLive: request.isLive))
            var headers = configuration.headers.map { ($0.key, $0.value) }
            if let token { headers.append(("authorization", "Bearer \(token)")) }
            let answer: HTTPAnswer
            do {
                if useEvents {
                    let opened = ContinuousClock.now
                    guard let other = try await followEvents(url, headers: headers, request: request, state: &state, onEvent: onEvent) else {
                        failures = 0
                        shortEventStreams = ContinuousClock.now - opened < .seconds(1) ? shortEventStreams + 1 : 0
                        continue
                    }
                    answer = other
                } else {
                    let timeout = request.isLive ? configuration.liveRequestTimeout : configuration.requestTimeout
                    answer = try await transport.send(.GET, url, headers: headers, timeout: timeout)
                }
            } catch let error as ShapeStreamError {
                throw error
            } catch let failure as ConsumerFailure {
                throw failure.error
            } catch {
                // Connection refused, reset, timed out: the server may be restarting.
                guard !Task.isCancelled else { return }
                guard await pause(configuration.backoff.delay(attempt: failures)) else { return }
                failures += 1
                continue
            }
            switch try state.handle(answer, to: request) {
            case .next:
                failures = 0
                refusals = 0
            case .emit(let event):
                failures = 0
                refusals = 0
                try await onEvent(event)
            case .retry(let retryAfter):
                guard await pause(configuration.backoff.delay(attempt: failures, retryAfter: retryAfter)) else { return }
                failures += 1
            case .refreshToken:
                refusals += 1
                guard let authorization = configuration.authorization, refusals <= configuration.maxUnauthorizedRetries else {
                    let body = String(decoding: answer.body.prefix(500), as: UTF8.self)
                    throw ShapeStreamError(
                        .unauthorized,
                        configuration.authorization == nil
                            ? "the shape endpoint wants a token and none is configured: \(body)"
                            : "the shape endpoint refused \(refusals) fresh tokens in a row: \(body)",
                        status: 401)
                }
                if let token { await authorization.refused(token) }
                // The first refusal is an expired token: retry at once. More mean trouble: slow down.
                if refusals > 1, !(await pause(configuration.backoff.delay(attempt: refusals - 2))) { return }
            }
        }
    }

    /// After this many SSE connections in a row that close within a second,
    /// the stream long-polls instead (Electric's client does the same).
    static let maxShortEventStreams = 3

    /// Follows one SSE response, handing over a batch at each up-to-date. Nil
    /// once it has ended (closed by the server, dropped, or a refetch asked
    /// for); the answer when the server sent something else (a 409, a 401, …)
    /// for the caller to handle as any other. Errors of the consumer and bad
    /// messages are thrown; a dropped connection is not an error.
    private func followEvents(
        _ url: String, headers: [(String, String)], request: ShapeStreamState.Request, state: inout ShapeStreamState,
        onEvent: (ShapeEvent) async throws -> Void
    ) async throws -> HTTPAnswer? {
        let body: HTTPClientResponse.Body
        switch try await transport.openEvents(url, headers: headers, timeout: configuration.eventStreamTimeout) {
        case .answer(let answer): return answer
        case .events(let head, let events):
            try state.acceptEventStream(head, to: request)
            body = events
        }
        var parser = EventStreamParser()
        var chunks = body.makeAsyncIterator()
        while true {
            let chunk: ByteBuffer?
            do {
                chunk = try await chunks.next()
            } catch {
                return nil
            }
            guard let chunk else { return nil }
            for data in parser.feed(chunk.readableBytesView) {
                guard case .emit(let event) = try state.receiveEvent(data) else { continue }
                do {
                    try await onEvent(event)
                } catch {
                    throw ConsumerFailure(error: error)
                }
                if case .mustRefetch = event { return nil }
            }
        }
    }

    /// The consumer's own error, carried past the retry-on-network-error path.
    private struct ConsumerFailure: Error {
        let error: any Error
    }

    /// The events of ``run(_:)`` as an async sequence; ending the iteration stops the stream.
    public func events() -> AsyncThrowingStream<ShapeEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<ShapeEvent, any Error>.makeStream()
        let task = Task {
            do {
                try await run { event in continuation.yield(event) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Sleeps; false when cancelled meanwhile.
    private func pause(_ duration: Duration) async -> Bool {
        do {
            try await Task.sleep(for: duration)
            return true
        } catch {
            return false
        }
    }

    func url(for request: ShapeStreamState.Request) -> String {
        var components = URLComponents(string: configuration.url) ?? URLComponents()
        var items = configuration.parameters.map { URLQueryItem(name: $0.key, value: $0.value) }
        if configuration.syncMode == .onDemand, configuration.parameters[ShapeParameter.log] == nil {
            items.append(URLQueryItem(name: ShapeParameter.log, value: "changes_only"))
        }
        items += request.query.map { URLQueryItem(name: $0.0, value: $0.1) }
        // Sorted, so equal requests make equal URLs (and equal cache keys).
        components.queryItems = items.sorted { ($0.name, $0.value ?? "") < ($1.name, $1.value ?? "") }
        // URLComponents leaves `+` alone, and servers read `+` in a query as a space.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.string ?? configuration.url
    }
}
