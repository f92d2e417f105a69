import CLibPQ
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A libpq connection. It is used only by the thread that opened it (libpq
/// connections are not safe to share between threads), so it is deliberately
/// not `Sendable`; `ReplicationWorker`, `ReplicationSetup` and `qactl tail-txid`'s
/// catalog queries keep each one on a single OS thread from `connect` to `close`.
public final class PQConnection {
    private var handle: OpaquePointer?

    private init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit { close() }

    /// Connects with `PQconnectdbParams`, expanding `url` as a connection URI;
    /// `extra` settings (such as `replication=database`) override the URL's.
    public static func connect(url: String, applicationName: String, extra: [(String, String)] = []) throws -> PQConnection {
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw ChangeFeedError(.invalidURL, "'\(DatabaseURL.redacted(url))' is not a postgres:// or postgresql:// URL")
        }
        // libpq applies settings in order, later ones winning: defaults first,
        // then the URL, then what this connection must have.
        // Values reach clients as the server's text output, so pin the display
        // settings Electric pins: UTC ISO timestamps, hex bytea, ISO intervals.
        let display = "-c TimeZone=UTC -c DateStyle=ISO,DMY -c IntervalStyle=iso_8601 -c bytea_output=hex -c extra_float_digits=1"
        let settings = [("connect_timeout", "10"), ("application_name", applicationName), ("dbname", url), ("options", display)] + extra
        let keywords = settings.map { strdup($0.0) }
        let values = settings.map { strdup($0.1) }
        defer {
            for pointer in keywords + values { free(pointer) }
        }
        let keywordArray = keywords.map { UnsafePointer($0) } + [nil]
        let valueArray = values.map { UnsafePointer($0) } + [nil]
        guard let handle = PQconnectdbParams(keywordArray, valueArray, 1) else {
            throw ChangeFeedError(.connectionFailed, "libpq could not allocate a connection")
        }
        let connection = PQConnection(handle: handle)
        guard PQstatus(handle) == CONNECTION_OK else {
            throw ChangeFeedError(.connectionFailed, "cannot connect to \(DatabaseURL.redacted(url)): \(connection.lastError)")
        }
        // libpq prints server notices ("… does not exist, skipping") to stderr
        // by default; they are not errors, and a server's output is not the place.
        _ = PQsetNoticeProcessor(handle, { _, _ in }, nil)
        return connection
    }

    /// The server's process id for this connection (the walsender, for replication).
    var backendPID: Int32 { handle.map { PQbackendPID($0) } ?? 0 }

    /// `PQserverVersion`: 150018 for 15.18.
    var serverVersion: Int32 { handle.map { PQserverVersion($0) } ?? 0 }

    /// libpq's last error message for this connection, trimmed.
    public var lastError: String {
        guard let handle, let message = PQerrorMessage(handle) else { return "connection closed" }
        return Self.trimmed(String(cString: message))
    }

    /// Runs one command and returns its rows as text (nil for NULL).
    /// `parameters` are sent separately from the SQL (`$1`, `$2`, …).
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws -> [[String?]] {
        let result = try execute(sql, parameters, expecting: [PGRES_TUPLES_OK, PGRES_COMMAND_OK])
        defer { PQclear(result) }
        return Self.rows(result)
    }

    /// Runs a replication command that switches the connection into COPY BOTH
    /// (`START_REPLICATION`).
    func startCopyBoth(_ command: String) throws {
        PQclear(try execute(command, [], expecting: [PGRES_COPY_BOTH]))
    }

    /// One result of `PQgetCopyData`.
    enum CopyRead {
        case data([UInt8])
        /// Nothing buffered: wait for the socket, then `consumeInput()`.
        case wouldBlock
        /// The server ended the COPY; the message says why, when it said.
        case ended(String)
    }

    /// Reads one CopyData message without blocking.
    func readCopyData() throws -> CopyRead {
        guard let handle else { throw ChangeFeedError(.replicationFailed, "the connection is closed") }
        var buffer: UnsafeMutablePointer<CChar>?
        let length = PQgetCopyData(handle, &buffer, 1)
        defer { if let buffer { PQfreemem(buffer) } }
        switch length {
        case 0:
            return .wouldBlock
        case -1:
            var messages: [String] = []
            while let result = PQgetResult(handle) {
                if let message = PQresultErrorMessage(result), message.pointee != 0 {
                    messages.append(Self.trimmed(String(cString: message)))
                }
                PQclear(result)
            }
            return .ended(messages.isEmpty ? lastError : messages.joined(separator: "; "))
        case ..<0:
            throw ChangeFeedError(.replicationFailed, "reading the replication stream failed: \(lastError)")
        default:
            guard let buffer else { return .wouldBlock }
            return .data(Array(UnsafeRawBufferPointer(start: buffer, count: Int(length))))
        }
    }

    /// Waits until the socket is readable or `milliseconds` pass; true when readable.
    func waitReadable(milliseconds: Int32) throws -> Bool {
        guard let handle else { throw ChangeFeedError(.replicationFailed, "the connection is closed") }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready < 0 {
            // EINTR: a signal arrived; the caller simply loops.
            guard errno == EINTR else {
                throw ChangeFeedError(.replicationFailed, "waiting for the server failed: \(String(cString: strerror(errno)))")
            }
            return false
        }
        return ready > 0
    }

    /// Reads what the socket has into libpq's buffer.
    func consumeInput() throws {
        guard let handle, PQconsumeInput(handle) == 1 else {
            throw ChangeFeedError(.replicationFailed, "the replication connection broke: \(lastError)")
        }
    }

    /// Sends one CopyData message and flushes it.
    func sendCopyData(_ bytes: [UInt8]) throws {
        guard let handle else { throw ChangeFeedError(.replicationFailed, "the connection is closed") }
        let sent = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { PQputCopyData(handle, $0, Int32(buffer.count)) }
            } ?? 1
        }
        guard sent == 1, PQflush(handle) == 0 else {
            throw ChangeFeedError(.replicationFailed, "sending a status update failed: \(lastError)")
        }
    }

    /// Closes the connection (sending libpq's Terminate message). Idempotent.
    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    private func execute(_ sql: String, _ parameters: [String?], expecting: [ExecStatusType]) throws -> OpaquePointer {
        guard let handle else { throw ChangeFeedError(.queryFailed, "the connection is closed") }
        let result: OpaquePointer?
        if parameters.isEmpty {
            result = PQexec(handle, sql)
        } else {
            let copies = parameters.map { $0.map { strdup($0) } ?? nil }
            defer { for copy in copies { free(copy) } }
            let pointers = copies.map { $0.map { UnsafePointer($0) } }
            result = PQexecParams(handle, sql, Int32(pointers.count), nil, pointers, nil, nil, 0)
        }
        guard let result else {
            throw ChangeFeedError(.queryFailed, "\(Self.firstLine(sql)) failed: \(lastError)")
        }
        let status = PQresultStatus(result)
        guard expecting.contains(status) else {
            let message = PQresultErrorMessage(result).map { Self.trimmed(String(cString: $0)) } ?? ""
            let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            PQclear(result)
            throw ChangeFeedError(
                PQstatus(handle) == CONNECTION_OK ? .queryFailed : .connectionFailed,
                "\(Self.firstLine(sql)) failed: \(message.isEmpty ? lastError : message)", sqlState: sqlState)
        }
        return result
    }

    private static func rows(_ result: OpaquePointer) -> [[String?]] {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        return (0..<rowCount).map { row in
            (0..<columnCount).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
        }
    }

    private static func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func firstLine(_ sql: String) -> String {
        let line = sql.split(separator: "\n").first.map(String.init) ?? sql
        return line.count > 80 ? String(line.prefix(77)) + "..." : line
    }
}
