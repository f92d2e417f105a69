import Foundation
import Tokens

/// Where qactl keeps its files on this machine, and what lives there: the
/// signing keys, the embedded database, PostgreSQL's local replication log and
/// the chat client's replicas. One layout for `serve`, `chat`, `tail-txid` and
/// `token`.
///
/// ```swift
/// let data = DataDirectory.resolve(option: nil)   // $QACTL_DATA_DIR, else ~/.local/share/qactl
/// let keys = data.keyStore
/// ```
public struct DataDirectory: Sendable, Equatable, CustomStringConvertible {
    public let path: String
    /// Where the signing keys are, when not in the data dir (`--keys-dir`,
    /// `QACTL_KEYS_DIR`): one directory several instances share.
    public let keysDirectory: String?

    /// `keysDirectory` defaults to `QACTL_KEYS_DIR` (so every part of a
    /// process that opens the data dir finds the same keys).
    public init(_ path: String, keysDirectory: String? = Setting.value(nil, "QACTL_KEYS_DIR")) {
        self.path = path
        self.keysDirectory = keysDirectory
    }

    /// `--data-dir`, else `QACTL_DATA_DIR`, else `$XDG_DATA_HOME/qactl`
    /// (an absolute `XDG_DATA_HOME` only), else `~/.local/share/qactl`.
    /// `keysOption` (`--keys-dir`), else `QACTL_KEYS_DIR`, names a keys directory outside it.
    public static func resolve(
        option: String?, keysOption: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> DataDirectory {
        let keys = Setting.value(keysOption, "QACTL_KEYS_DIR", environment: environment)
        if let path = Setting.value(option, "QACTL_DATA_DIR", environment: environment) { return DataDirectory(path, keysDirectory: keys) }
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") { return DataDirectory(xdg + "/qactl", keysDirectory: keys) }
        let home = Setting.value(nil, "HOME", environment: environment) ?? NSHomeDirectory()
        return DataDirectory(home + "/.local/share/qactl", keysDirectory: keys)
    }

    /// `auth.json` and `shape.json` in `keys/` (or the shared keys directory).
    public var keyStore: KeyStore { keysDirectory.map(KeyStore.init(keysDirectory:)) ?? KeyStore(dataDirectory: path) }
    /// The embedded store's SQLite file.
    public var embeddedDatabase: String { path + "/qactl.sqlite" }
    /// On PostgreSQL: the replicated transactions and shapes, in SQLite.
    public var replicationLog: String { path + "/postgres-feed.sqlite" }
    /// `qactl chat`'s local replicas, one file per (server, user, shape).
    public var replicas: String { path + "/replicas" }
    /// The embedded sync service's shape logs, a file per shape.
    public var shapeLogs: String { path + "/shapes" }

    public var description: String { path }
}

/// A setting from the command line, else from the environment.
public enum Setting {
    /// `option` when given, else the environment variable (an empty one counts as unset).
    public static func value(_ option: String?, _ variable: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        option ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }
}
