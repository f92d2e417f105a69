import CLibPQ
import Foundation

/// A plain libpq connection for the few catalog queries of PostgreSQL mode
/// (superuser check, primary keys, transaction status, the publication).
///
/// libpq connections must not be shared between threads, so this is
/// deliberately not `Sendable`: ``PostgresCatalog`` opens, uses and closes
/// each one on a single thread of its own.
final class CatalogConnection {
    private var handle: OpaquePointer?

    private init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit { close() }

    /// Connects to `url` (a `postgres://` URI); settings in the URL win over the defaults.
    static func connect(url: String) throws(TailError) -> CatalogConnection {
        let settings = [("connect_timeout", "10"), ("application_name", "qactl tail-txid"), ("dbname", url)]
        let keywords = settings.map { strdup($0.0) }
        let values = settings.map { strdup($0.1) }
        defer {
            for pointer in keywords + values { free(pointer) }
        }
        let keywordArray = keywords.map { UnsafePointer($0) } + [nil]
        let valueArray = values.map { UnsafePointer($0) } + [nil]
        guard let handle = PQconnectdbParams(keywordArray, valueArray, 1) else {
            throw TailError(.databaseFailed, "libpq could not allocate a connection")
        }
        let connection = CatalogConnection(handle: handle)
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = connection.lastError
            throw TailError(
                Self.isRefusal(message) ? .refused : .unreachable, "cannot connect to \(DatabaseURL.redacted(url)): \(message)")
        }
        // Notices ("… does not exist, skipping") are not errors: keep them off stderr.
        _ = PQsetNoticeProcessor(handle, { _, _ in }, nil)
        return connection
    }

    /// Runs one statement with `parameters` bound to `$1`, `$2`, …; returns the rows as text (nil for NULL).
    @discardableResult
    func query(_ sql: String, _ parameters: [String?] = []) throws(TailError) -> [[String?]] {
        guard let handle else { throw TailError(.databaseFailed, "the catalog connection is closed") }
        let copies = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for copy in copies { free(copy) } }
        let pointers = copies.map { $0.map { UnsafePointer($0) } }
        guard let result = PQexecParams(handle, sql, Int32(pointers.count), nil, pointers, nil, nil, 0) else {
            throw TailError(.databaseFailed, "a catalog query failed: \(lastError)")
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK else {
            let message = PQresultErrorMessage(result).map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? lastError
            let sqlState = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            // 42501 insufficient_privilege: the role may not do this.
            throw TailError(sqlState == "42501" ? .refused : .databaseFailed, message)
        }
        return (0..<PQntuples(result)).map { row in
            (0..<PQnfields(result)).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
        }
    }

    /// Closes the connection. Idempotent.
    func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    private var lastError: String {
        guard let handle, let message = PQerrorMessage(handle) else { return "connection closed" }
        return String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether libpq's connection error is the server saying no to these credentials.
    static func isRefusal(_ message: String) -> Bool {
        let text = message.lowercased()
        return text.contains("authentication failed") || text.contains("no pg_hba.conf entry") || text.contains("permission denied")
            || (text.contains("role \"") && text.contains("does not exist"))
    }
}
