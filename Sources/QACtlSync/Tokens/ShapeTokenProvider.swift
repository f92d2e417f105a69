import Foundation

/// Shape tokens from `POST /shapes/auth-token`, cached per (table, params).
///
/// A cached token is handed out until shortly before it expires (30 s by
/// default, or half its lifetime when that is shorter), then fetched again;
/// a token the server refused is dropped at once. Concurrent callers for the
/// same shape share one fetch.
///
/// ```swift
/// let tokens = ShapeTokenProvider(api: api)
/// let token = try await tokens.token(for: ShapeTokenRequest(table: "messages", params: ["conversationId": "c-1"]))
/// ```
///
/// Tests and other token sources pass their own fetch:
///
/// ```swift
/// let tokens = ShapeTokenProvider { request in try await myBackend.shapeToken(request) }
/// ```
public actor ShapeTokenProvider {
    /// Fetches a fresh token for a shape.
    public typealias Fetch = @Sendable (ShapeTokenRequest) async throws -> ShapeToken

    private struct Entry {
        let token: ShapeToken
        let refreshAt: Date
    }

    private let fetch: Fetch
    private let refreshMargin: Duration
    private let now: @Sendable () -> Date
    private var cache: [ShapeTokenRequest: Entry] = [:]
    private var inFlight: [ShapeTokenRequest: Task<ShapeToken, any Error>] = [:]
    /// How many fetches have started: for diagnostics.
    public private(set) var fetchCount = 0

    /// Tokens from `fetch`; `now` is the clock expiry is judged by.
    public init(refreshMargin: Duration = .seconds(30), now: @escaping @Sendable () -> Date = { Date() }, fetch: @escaping Fetch) {
        self.fetch = fetch
        self.refreshMargin = refreshMargin
        self.now = now
    }

    /// Tokens from qactl's API, with `api`'s auth token.
    public init(api: APIClient, refreshMargin: Duration = .seconds(30)) {
        self.init(refreshMargin: refreshMargin) { request in try await api.shapeToken(for: request) }
    }

    /// A valid token for `request`: the cached one, or a fresh one.
    public func token(for request: ShapeTokenRequest) async throws -> ShapeToken {
        if let entry = cache[request], now() < entry.refreshAt { return entry.token }
        if let running = inFlight[request] { return try await Self.value(of: running) }
        let fetch = self.fetch
        let task = Task { try await fetch(request) }
        inFlight[request] = task
        fetchCount += 1
        do {
            let token = try await Self.value(of: task)
            if inFlight[request] == task { inFlight[request] = nil }
            let fetchedAt = now()
            let lifetime = token.expiresAt.timeIntervalSince(fetchedAt)
            let margin = Backoff.seconds(refreshMargin)
            // Refresh `margin` before expiry, or half-way through a token that lives shorter than twice that.
            cache[request] = Entry(token: token, refreshAt: token.expiresAt.addingTimeInterval(-min(margin, lifetime / 2)))
            return token
        } catch {
            if inFlight[request] == task { inFlight[request] = nil }
            throw error
        }
    }

    /// Awaits a fetch, cancelling it when the caller is cancelled (a stopping
    /// stream must not wait out an HTTP timeout against a server that is down).
    private static func value(of task: Task<ShapeToken, any Error>) async throws -> ShapeToken {
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    /// The server refused `token` for `request`: the next call fetches a new one.
    /// A token that was already replaced is left alone.
    public func invalidate(_ request: ShapeTokenRequest, token: String) {
        if cache[request]?.token.token == token { cache[request] = nil }
    }

    /// Forgets every cached token (on sign-out, say).
    public func removeAll() {
        cache = [:]
    }

    /// The ``ShapeAuthorization`` that a ``ShapeStream`` for `request` uses.
    public nonisolated func authorization(for request: ShapeTokenRequest) -> any ShapeAuthorization {
        ProviderAuthorization(provider: self, request: request)
    }
}

/// Binds a provider to one shape.
private struct ProviderAuthorization: ShapeAuthorization {
    let provider: ShapeTokenProvider
    let request: ShapeTokenRequest

    func token() async throws -> String {
        try await provider.token(for: request).token
    }

    func refused(_ token: String) async {
        await provider.invalidate(request, token: token)
    }
}
