import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Signing keys kept in the data dir: `keys/auth.json` and `keys/shape.json`,
/// files of mode 0600 in a 0700 directory.
///
/// Keys are created on first use. A file that is corrupt, truncated or readable
/// by group or others is an error naming the file; it is never replaced or used.
///
/// ```swift
/// let store = KeyStore(dataDirectory: "/home/me/.local/share/qactl")
/// let auth = try store.loadOrCreate(.auth)
/// ```
public struct KeyStore: Sendable {
    /// Where the key files are: the data dir's `keys/`, or a directory
    /// several instances share (`--keys-dir`).
    public let keysDirectory: String

    public init(dataDirectory: String) {
        self.keysDirectory = dataDirectory + "/keys"
    }

    public init(keysDirectory: String) {
        self.keysDirectory = keysDirectory
    }

    public func path(for kind: TokenKind) -> String { keysDirectory + "/\(kind.rawValue).json" }

    /// The keys of `kind`, or nil when none were ever created.
    public func load(_ kind: TokenKind) throws(KeyStoreError) -> KeySet? {
        let path = path(for: kind)
        if !FileManager.default.fileExists(atPath: keysDirectory) { return nil }
        try checkPrivate(keysDirectory, isDirectory: true)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        try checkPrivate(path, isDirectory: false)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KeyStoreError(path: path, "cannot be read (\(String(cString: strerror(errno))))")
        }
        return try KeyFile.decode(data, kind: kind, path: path)
    }

    /// The keys of `kind`, creating a first key when there are none.
    public func loadOrCreate(_ kind: TokenKind) throws(KeyStoreError) -> KeySet {
        if let existing = try load(kind) { return existing }
        return try withLock { () throws(KeyStoreError) -> KeySet in
            // Another process may have created the keys while we waited for the lock.
            if let existing = try load(kind) { return existing }
            let set = KeySet(kind: kind, keys: [SigningKey.generate(for: kind)])
            try write(set)
            return set
        }
    }

    /// Adds a new signing key for `kind`. Older keys keep verifying unless `keep`
    /// limits how many (newest first) are kept.
    @discardableResult
    public func rotate(_ kind: TokenKind, keep: Int? = nil, now: Date = Date()) throws(KeyStoreError) -> KeySet {
        try withLock { () throws(KeyStoreError) -> KeySet in
            let existing = try load(kind)?.keys ?? []
            // Keep creation times strictly increasing so "newest signs" is unambiguous.
            let created = max(now, (existing.last?.createdAt ?? .distantPast).addingTimeInterval(0.002))
            var keys = existing + [SigningKey.generate(for: kind, now: created)]
            if let keep, keep >= 1, keys.count > keep {
                keys.removeFirst(keys.count - keep)
            }
            let set = KeySet(kind: kind, keys: keys)
            try write(set)
            return set
        }
    }

    // MARK: - Files

    private func ensureDirectory(_ path: String) throws(KeyStoreError) {
        try Self.createPrivateDirectory(path)
    }

    /// Creates `path` and any missing parents (each 0700: a fresh account has
    /// no `~/.local/share` yet); existing directories are left as they are.
    public static func createPrivateDirectory(_ path: String) throws(KeyStoreError) {
        var prefix = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += (prefix.isEmpty && !path.hasPrefix("/") ? "" : "/") + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw KeyStoreError(path: prefix, "cannot create directory (\(String(cString: strerror(errno))))")
            }
        }
    }

    private func checkPrivate(_ path: String, isDirectory: Bool) throws(KeyStoreError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw KeyStoreError(path: path, "cannot be read (\(String(cString: strerror(errno))))")
        }
        if isDirectory && info.st_mode & S_IFMT != S_IFDIR {
            throw KeyStoreError(path: path, "is not a directory; the keys directory must be one (or a path where one can be made)")
        }
        let mode = info.st_mode & 0o777
        if mode & 0o077 != 0 {
            let wanted = isDirectory ? "700" : "600"
            throw KeyStoreError(
                path: path,
                "is accessible by group or others (mode \(String(mode, radix: 8))); signing keys must be private: run chmod \(wanted) \(path) (and rotate the keys if others may have read them)"
            )
        }
    }

    /// Runs `body` holding an exclusive lock on `keys/.lock`, so concurrent
    /// processes (a server and a `token rotate`) never lose each other's keys.
    private func withLock<T>(_ body: () throws(KeyStoreError) -> T) throws(KeyStoreError) -> T {
        try ensureDirectory(keysDirectory)
        try checkPrivate(keysDirectory, isDirectory: true)
        let lockPath = keysDirectory + "/.lock"
        let fd = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw KeyStoreError(path: lockPath, "cannot open lock file (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else {
            throw KeyStoreError(path: lockPath, "cannot lock (\(String(cString: strerror(errno))))")
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// Writes the key file atomically: a 0600 temp file, fsync, rename.
    private func write(_ set: KeySet) throws(KeyStoreError) {
        let path = path(for: set.kind)
        let data: Data
        do { data = try KeyFile(set).encoded() } catch {
            throw KeyStoreError(path: path, "cannot encode keys: \(error)")
        }
        let temp = path + ".tmp-\(getpid())"
        let fd = open(temp, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw KeyStoreError(path: temp, "cannot create (\(String(cString: strerror(errno))))")
        }
        fchmod(fd, 0o600)
        let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced, rename(temp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw KeyStoreError(path: path, "cannot write (\(reason))")
        }
    }
}
