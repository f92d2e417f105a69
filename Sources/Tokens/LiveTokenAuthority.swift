import Foundation
import Synchronization

/// A ``TokenAuthority`` that follows its key files: after `qactl token rotate`
/// (on this machine, or in a keys directory several instances share), every
/// running server signs with the new key and verifies with all the kept ones,
/// without a restart. The files are looked at, at most every `interval`, when
/// a token is minted or verified; a file that cannot be read keeps the keys
/// already loaded.
public final class LiveTokenAuthority: Sendable {
    private struct State {
        var authority: TokenAuthority
        var stamp: [String]
        var checked: ContinuousClock.Instant
    }

    private let store: KeyStore
    private let interval: Duration
    private let state: Mutex<State>

    /// Loads (or creates) the store's keys.
    public init(store: KeyStore, interval: Duration = .seconds(2)) throws(KeyStoreError) {
        self.store = store
        self.interval = interval
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
        guard stamp != state.withLock({ $0.stamp }) else { return authority }
        guard let reloaded = try? TokenAuthority(store: store) else { return authority }
        state.withLock {
            $0.authority = reloaded
            $0.stamp = stamp
        }
        return reloaded
    }

    /// Modification time, size and inode of each key file: a rotation
    /// writes a new file in place of the old.
    private static func stamp(_ store: KeyStore) -> [String] {
        TokenKind.allCases.map { kind in
            var info = stat()
            guard stat(store.path(for: kind), &info) == 0 else { return "-" }
            return "\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        }
    }
}
