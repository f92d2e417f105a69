import Foundation
import Synchronization

/// A ``TokenAuthority`` that follows its key files: after `qactl token rotate`
/// (on this machine, or in a keys directory several instances share), every
/// running server signs with the new key and verifies with all the kept ones,
/// without a restart. The files are looked at, at most every `interval`, when
/// a token is minted or verified; a file that cannot be read (damaged, or
/// readable by others) keeps the keys already loaded, and `problem` is told
/// why, once for each state of the files.
public final class LiveTokenAuthority: Sendable {
    private struct State {
        var authority: TokenAuthority
        var stamp: [String]
        /// The files' stamp when they last failed to load: told once.
        var failedStamp: [String]?
        var checked: ContinuousClock.Instant
    }

    private let store: KeyStore
    private let interval: Duration
    private let problem: @Sendable (String) -> Void
    private let state: Mutex<State>

    /// Loads (or creates) the store's keys.
    public init(store: KeyStore, interval: Duration = .seconds(2), problem: @escaping @Sendable (String) -> Void = { _ in }) throws(KeyStoreError) {
        self.store = store
        self.interval = interval
        self.problem = problem
        let authority = try TokenAuthority(store: store)
        state = Mutex(State(authority: authority, stamp: Self.stamp(store), checked: .now))
    }

    /// The authority for the keys on disk now.
    public var current: TokenAuthority {
        let now = ContinuousClock.now
        let (authority, due) = state.withLock { state in
            guard now - state.checked >= interval else { return (state.authority, false) }
            state.checked = now
            return (state.authority, true)
        }
        guard due else { return authority }
        let stamp = Self.stamp(store)
        let unchanged = state.withLock { state -> Bool in
            guard stamp == state.stamp else { return false }
            // Back as loaded (a chmod undone): the same failure again later is news again.
            state.failedStamp = nil
            return true
        }
        guard !unchanged else { return authority }
        let reloaded: TokenAuthority
        do {
            reloaded = try TokenAuthority(store: store)
        } catch {
            let isNew = state.withLock { state in
                defer { state.failedStamp = stamp }
                return state.failedStamp != stamp
            }
            if isNew { problem("the key files changed but cannot be used, so the keys loaded before stay in use: \(error)") }
            return authority
        }
        state.withLock {
            $0.authority = reloaded
            $0.stamp = stamp
            $0.failedStamp = nil
        }
        return reloaded
    }

    /// Modification time, size, inode and mode of each key file: a rotation
    /// writes a new file in place of the old; a chmod may make one unusable.
    private static func stamp(_ store: KeyStore) -> [String] {
        TokenKind.allCases.map { kind in
            var info = stat()
            guard stat(store.path(for: kind), &info) == 0 else { return "-" }
            return "\(info.st_ino):\(info.st_size):\(info.st_mode):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        }
    }
}
