import Hummingbird
import NIOCore
import Synchronization

/// Whether a connection's client is still there, for work that waits on its
/// behalf (a live long-poll): the connection handler marks it gone when the
/// client closes its side or the connection drops, and the waiting request is
/// cancelled at once, while the connection itself stays usable for keep-alive
/// as long as the client keeps it.
final class ClientPresence: Sendable {
    private struct State {
        var gone = false
        var nextToken = 0
        var onGone: [Int: @Sendable () -> Void] = [:]
    }

    private let state = Mutex(State())

    /// Marks the client gone and runs every registered action (once).
    func markGone() {
        let actions = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.gone else { return [] }
            state.gone = true
            defer { state.onGone = [:] }
            return Array(state.onGone.values)
        }
        for action in actions { action() }
    }

    /// Runs `operation`, cancelled as soon as the client goes away.
    func whilePresent<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let work = Task { try await operation() }
        let token = state.withLock { state -> Int? in
            guard !state.gone else { return nil }
            state.nextToken += 1
            state.onGone[state.nextToken] = { work.cancel() }
            return state.nextToken
        }
        if token == nil { work.cancel() }
        defer { if let token { _ = state.withLock { $0.onGone.removeValue(forKey: token) } } }
        return try await withTaskCancellationHandler { try await work.value } onCancel: { work.cancel() }
    }
}

/// The presence of every open connection, by channel.
final class ClientPresenceRegistry: Sendable {
    private let presences = Mutex<[ObjectIdentifier: ClientPresence]>([:])

    func register(_ channel: any Channel) -> ClientPresence {
        let presence = ClientPresence()
        presences.withLock { $0[ObjectIdentifier(channel)] = presence }
        return presence
    }

    func remove(_ channel: any Channel) {
        _ = presences.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    func presence(of channel: any Channel) -> ClientPresence? {
        presences.withLock { $0[ObjectIdentifier(channel)] }
    }
}

extension Optional where Wrapped == ClientPresenceRegistry {
    /// Runs `respond`; a live long-poll is cancelled as soon as its client
    /// goes away, so no waiter outlives its client.
    func respond(live: Bool, on channel: any Channel, _ respond: @escaping @Sendable () async throws -> Response) async throws -> Response {
        guard live, let registry = self else { return try await respond() }
        guard let presence = registry.presence(of: channel) else {
            // The connection dropped (a reset) before the request got here: nobody waits for the answer.
            if !channel.isActive { throw CancellationError() }
            return try await respond()
        }
        return try await presence.whilePresent(respond)
    }
}
