import Hummingbird
import NIOCore
import Synchronization
import SyncService

/// Whether a connection's client is still there, for work that waits on its
/// behalf (a live long-poll): the connection handler marks it gone when the
/// client closes its side or the connection drops, and the waiting request
/// stops at once, while the connection itself stays usable for keep-alive
/// as long as the client keeps it.
final class ClientPresence: ClientPresenceSignal {
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

    func whenGone(_ action: @escaping @Sendable () -> Void) -> Int? {
        state.withLock { state in
            guard !state.gone else { return nil }
            state.nextToken += 1
            state.onGone[state.nextToken] = action
            return state.nextToken
        }
    }

    func withdraw(_ token: Int) {
        _ = state.withLock { $0.onGone.removeValue(forKey: token) }
    }
}

extension ClientPresenceSignal {
    /// Runs `operation` in a task of its own, cancelled as soon as the client
    /// goes away (for work that only stops by cancellation: a relayed request).
    func whilePresent<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let work = Task { try await operation() }
        let token = whenGone { work.cancel() }
        if token == nil { work.cancel() }
        defer { if let token { withdraw(token) } }
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
    /// The presence of a live call's client (nil for any other call), so that
    /// the call stops waiting as soon as its client goes away. Throws
    /// `CancellationError` when the connection dropped (a reset) before the
    /// request got here: nobody waits for the answer.
    func presence(live: Bool, on channel: any Channel) throws -> ClientPresence? {
        guard live, let registry = self else { return nil }
        guard let presence = registry.presence(of: channel) else {
            if !channel.isActive { throw CancellationError() }
            return nil
        }
        return presence
    }
}
