import Foundation
import ProcessSpawning

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A throwaway PostgreSQL server for tests and CI: a fresh cluster in a temp
/// directory, listening on 127.0.0.1 on a free port, removed by `stop()`.
///
/// ```swift
/// let cluster = try PostgresCluster.start()
/// defer { try? cluster.stop() }
/// _ = try cluster.psql("CREATE TABLE t (id text PRIMARY KEY)")
/// connect(to: cluster.url)   // postgres://postgres@127.0.0.1:<port>/qactl_test
/// ```
///
/// initdb and postgres refuse to run as root, and CI runs as root: then they
/// run as the `postgres` user (`runuser -u postgres`) in a directory owned by
/// it; otherwise as the current user.
///
/// `@unchecked Sendable`: every stored property is immutable except the
/// server process and the stopped flag, which are only touched while
/// holding `lock`.
public final class PostgresCluster: @unchecked Sendable {
    /// How to start the cluster.
    public struct Options: Sendable {
        /// `logical` for replication; `replica` to test what happens without it.
        public var walLevel: String
        /// The database created at start; `url` points at it.
        public var database: String
        /// More `-c name=value` server settings.
        public var settings: [String: String]

        public init(walLevel: String = "logical", database: String = "qactl_test", settings: [String: String] = [:]) {
            self.walLevel = walLevel
            self.database = database
            self.settings = settings
        }
    }

    public let port: Int
    /// The temp directory holding the data directory, socket and log.
    public let directory: String
    public let binaries: PostgresBinaries
    /// The database created at start.
    public let database: String
    /// `postgres://postgres@127.0.0.1:<port>/<database>`.
    public var url: String { url(database: database) }

    private let lock = NSLock()
    private var server: SpawnedProcess?
    private var stopped = false

    private let options: Options

    private init(port: Int, directory: String, binaries: PostgresBinaries, database: String, server: SpawnedProcess, options: Options) {
        self.options = options
        self.port = port
        self.directory = directory
        self.binaries = binaries
        self.database = database
        self.server = server
        PostgresClusterRegistry.add(self)
    }

    deinit {
        try? stop()
    }

    /// Creates and starts a cluster, waits until it accepts connections and
    /// creates `options.database`. Takes a couple of seconds (initdb).
    public static func start(_ options: Options = Options()) throws -> PostgresCluster {
        _ = ignoreBrokenPipes
        let binaries = try PostgresBinaries.locate()
        let directory = try makeDirectory()
        do {
            try CommandRunner.check(
                binaries.path("initdb"),
                ["-D", directory + "/data", "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--no-locale"],
                as: .clusterOwner, directory: directory)
            // A port picked free can be taken before postgres binds it: try a few.
            var lastError: (any Error)?
            for _ in 0..<3 {
                let port = try freePort()
                do {
                    let server = try launch(binaries, directory: directory, port: port, options: options)
                    let cluster = PostgresCluster(
                        port: port, directory: directory, binaries: binaries, database: options.database, server: server, options: options)
                    do {
                        _ = try cluster.psql("CREATE DATABASE \(quote(options.database))", database: "postgres")
                    } catch {
                        try? cluster.stop()
                        throw error
                    }
                    return cluster
                } catch let error as PostgresHarnessError where error.code == .startTimeout {
                    lastError = error
                }
            }
            throw lastError ?? PostgresHarnessError(.startTimeout, "PostgreSQL did not start")
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// The URL of another database in this cluster.
    public func url(database: String) -> String {
        "postgres://postgres@127.0.0.1:\(port)/\(database)"
    }

    /// Creates a database and returns its URL.
    public func createDatabase(_ name: String) throws -> String {
        _ = try psql("CREATE DATABASE \(Self.quote(name))", database: "postgres")
        return url(database: name)
    }

    /// Runs SQL with psql (unaligned, tuples only, stopping at the first
    /// error) and returns what it printed, without the trailing newline.
    /// Several statements may be given, including `BEGIN; … COMMIT;`.
    @discardableResult
    public func psql(_ sql: String, database: String? = nil) throws -> String {
        guard !isStopped else { throw PostgresHarnessError(.stopped, "the cluster on port \(port) was stopped") }
        let output = try CommandRunner.check(
            binaries.path("psql"),
            ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres",
             "-d", database ?? self.database, "-f", "-"],
            input: sql)
        return output.hasSuffix("\n") ? String(output.dropLast()) : output
    }

    /// The server's log so far (for diagnosing a failing test).
    public func log() -> String {
        (try? String(contentsOfFile: directory + "/postgres.log", encoding: .utf8)) ?? ""
    }

    /// Whether `stop()` was called.
    public var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    /// Stops the server (`pg_ctl stop -m fast`) and removes its directory. Idempotent.
    public func stop() throws {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let postmaster = postmasterPID()
        let result = try? CommandRunner.run(
            binaries.path("pg_ctl"), ["stop", "-D", directory + "/data", "-m", "fast", "-w", "-t", "30"],
            as: .clusterOwner, directory: directory)
        if let server, server.isRunning {
            if result?.status != 0 { Self.forceStop(server, postmaster: postmaster) }
            _ = server.waitBlocking()
        }
        server = nil
        if let result, result.status != 0, !result.stderr.contains("does not exist"), !result.stderr.contains("not running") {
            throw PostgresHarnessError(.commandFailed, "pg_ctl stop failed: \(result.stderr)")
        }
    }

    /// Shuts the server down with `pg_ctl stop -m mode` (`smart`, `fast` or
    /// `immediate`), keeping its data; returns how long the shutdown took.
    /// Throws if it did not finish within `timeout` seconds (the server is
    /// then killed, so the cluster can still be started again or stopped).
    @discardableResult
    public func shutDown(mode: String, timeout: Int = 60) throws -> Duration {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { throw PostgresHarnessError(.stopped, "the cluster on port \(port) was stopped") }
        let start = ContinuousClock.now
        let postmaster = postmasterPID()
        let result = try CommandRunner.run(
            binaries.path("pg_ctl"), ["stop", "-D", directory + "/data", "-m", mode, "-w", "-t", String(timeout)],
            as: .clusterOwner, directory: directory)
        let took = ContinuousClock.now - start
        if let server {
            if result.status != 0 { Self.forceStop(server, postmaster: postmaster) }
            _ = server.waitBlocking()
        }
        server = nil
        guard result.status == 0 else {
            throw PostgresHarnessError(.commandFailed, "pg_ctl stop -m \(mode) did not finish within \(timeout) s: \(result.stderr)")
        }
        return took
    }

    /// The postmaster's pid, from the first line of its pid file (nil when it is not running).
    private func postmasterPID() -> pid_t? {
        guard let text = try? String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8) else { return nil }
        return pid_t(text.split(separator: "\n").first ?? "")
    }

    /// Kills a server that `pg_ctl stop` could not stop, so waiting for it cannot hang:
    /// the postmaster itself (under `runuser`, killing the parent would leave it
    /// running) and the launched process. Both are continued first in case they
    /// were stopped (SIGSTOP); backends exit on their own once the postmaster is gone.
    private static func forceStop(_ server: SpawnedProcess, postmaster: pid_t?) {
        if let postmaster, postmaster > 0 {
            kill(postmaster, SIGCONT)
            kill(postmaster, SIGKILL)
        }
        server.signal(SIGCONT)
        server.signal(SIGKILL)
    }

    /// Moves the cluster's transaction ids into epoch `epoch` (`pg_resetwal -e`
    /// on a cleanly stopped server, then started again): from then on a
    /// 64-bit xid (`pg_current_xact_id()`) differs from its 32-bit wire form.
    public func advanceTransactionEpoch(to epoch: Int) throws {
        try shutDown(mode: "fast")
        try CommandRunner.check(binaries.path("pg_resetwal"), ["-e", String(epoch), directory + "/data"], as: .clusterOwner, directory: directory)
        try startAgain()
        // Ready once it answers.
        let deadline = ContinuousClock.now + .seconds(90)
        while true {
            do {
                _ = try psql("SELECT 1", database: "postgres")
                return
            } catch {
                guard ContinuousClock.now < deadline else { throw error }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    /// Starts the server again after ``shutDown(mode:timeout:)``, on the same port and data.
    public func startAgain() throws {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped, server == nil else { return }
        server = try Self.launch(binaries, directory: directory, port: port, options: options)
    }

    private static func launch(_ binaries: PostgresBinaries, directory: String, port: Int, options: Options) throws -> SpawnedProcess {
        var settings = [
            "wal_level": options.walLevel, "max_wal_senders": "10", "max_replication_slots": "10",
            "listen_addresses": "127.0.0.1", "fsync": "off", "unix_socket_permissions": "0777",
        ]
        settings.merge(options.settings) { _, new in new }
        let arguments = ["-D", directory + "/data", "-p", String(port), "-k", directory]
            + settings.sorted { $0.key < $1.key }.flatMap { ["-c", "\($0.key)=\($0.value)"] }
        let logPath = directory + "/postgres.log"
        let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard log >= 0 else {
            throw PostgresHarnessError(.commandFailed, "cannot create \(logPath): \(String(cString: strerror(errno)))")
        }
        defer { close(log) }
        let process = try CommandRunner.spawn(
            binaries.path("postgres"), arguments, as: .clusterOwner, directory: directory,
            standardInput: .null, standardOutput: .descriptor(log), standardError: .descriptor(log))
        try waitUntilReady(binaries, port: port, process: process, logPath: logPath)
        return process
    }

    private static func waitUntilReady(_ binaries: PostgresBinaries, port: Int, process: SpawnedProcess, logPath: String) throws {
        // Generous: a loaded machine (a parallel test run) can take long to start a cluster.
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            guard process.isRunning else {
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                throw PostgresHarnessError(.startTimeout, "postgres exited during start-up: \(log.suffix(2000))")
            }
            let ready = try CommandRunner.run(
                binaries.path("pg_isready"), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-t", "2"])
            if ready.status == 0 { return }
            usleep(100_000)
        }
        process.signal(SIGTERM)
        _ = process.waitBlocking()
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        throw PostgresHarnessError(.startTimeout, "PostgreSQL did not accept connections on port \(port) within 90 s; its log ends: \(log.suffix(2000))")
    }

    /// A fresh directory that the cluster's owner can write.
    private static func makeDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory().hasSuffix("/") ? NSTemporaryDirectory() : NSTemporaryDirectory() + "/")
            .appending("qactl-pg-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard let created else {
            throw PostgresHarnessError(.commandFailed, "cannot create a temp directory: \(String(cString: strerror(errno)))")
        }
        let path = String(cString: created)
        if geteuid() == 0 {
            guard let owner = getpwnam("postgres") else {
                try? FileManager.default.removeItem(atPath: path)
                throw PostgresHarnessError(
                    .noPostgresUser, "running as root needs a 'postgres' user to own the cluster (apt-get install postgresql creates it)")
            }
            guard chown(path, owner.pointee.pw_uid, owner.pointee.pw_gid) == 0 else {
                try? FileManager.default.removeItem(atPath: path)
                throw PostgresHarnessError(.commandFailed, "cannot give \(path) to postgres: \(String(cString: strerror(errno)))")
            }
        }
        return path
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it).
    private static func freePort() throws -> Int {
        #if os(Linux)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw PostgresHarnessError(.commandFailed, "cannot open a socket to find a free port") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw PostgresHarnessError(.commandFailed, "cannot bind 127.0.0.1 to find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Writing to a psql that already exited must fail the write, not kill the test process.
    private static let ignoreBrokenPipes: Void = {
        signal(SIGPIPE, SIG_IGN)
    }()
}
