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

    public init(_ path: String) {
        self.path = path
    }

    /// `--data-dir`, else `QACTL_DATA_DIR`, else `$XDG_DATA_HOME/qactl`
    /// (an absolute `XDG_DATA_HOME` only), else `~/.local/share/qactl`.
    public static func resolve(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> DataDirectory {
        if let path = Setting.value(option, "QACTL_DATA_DIR", environment: environment) { return DataDirectory(path) }
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") { return DataDirectory(xdg + "/qactl") }
        let home = Setting.value(nil, "HOME", environment: environment) ?? NSHomeDirectory()
        return DataDirectory(home + "/.local/share/qactl")
    }

    /// `keys/auth.json` and `keys/shape.json`.
    public var keyStore: KeyStore { KeyStore(dataDirectory: path) }
    /// The embedded store's SQLite file.
    public var embeddedDatabase: String { path + "/qactl.sqlite" }
    /// On PostgreSQL: the replicated transactions and shapes, in SQLite.
    public var replicationLog: String { path + "/postgres-feed.sqlite" }
    /// `qactl chat`'s local replicas, one file per (server, user, shape).
    public var replicas: String { path + "/replicas" }

    public var description: String { path }
}

/// A setting from the command line, else from the environment.
public enum Setting {
    /// `option` when given, else the environment variable (an empty one counts as unset).
    public static func value(_ option: String?, _ variable: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        option ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }
}
