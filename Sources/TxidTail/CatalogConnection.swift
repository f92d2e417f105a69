import ChangeFeed
import Foundation

/// A plain libpq connection for the few catalog queries of PostgreSQL mode
/// (superuser check, primary keys, transaction status, the publication): the
/// change feed's ``PQConnection``, with its errors read as `TailError`s.
///
/// Not `Sendable`: ``PostgresCatalog`` opens, uses and closes each one on a
/// single thread of its own, as libpq requires.
final class CatalogConnection {
    private let connection: PQConnection

    private init(_ connection: PQConnection) {
        self.connection = connection
    }

    /// Connects to `url` (a `postgres://` URI); settings in the URL win over the defaults.
    static func connect(url: String) throws(TailError) -> CatalogConnection {
        do {
            return CatalogConnection(try PQConnection.connect(url: url, applicationName: "qactl tail-txid"))
        } catch let error as ChangeFeedError {
            throw TailError(isRefusal(error.message) ? .refused : .unreachable, error.message)
        } catch {
            throw TailError(.unreachable, "cannot connect to \(DatabaseURL.redacted(url)): \(error)")
        }
    }

    /// Runs one statement with `parameters` bound to `$1`, `$2`, …; returns the rows as text (nil for NULL).
    @discardableResult
    func query(_ sql: String, _ parameters: [String?] = []) throws(TailError) -> [[String?]] {
        do {
            return try connection.query(sql, parameters)
        } catch let error as ChangeFeedError {
            // 42501 insufficient_privilege: the role may not do this.
            throw TailError(error.sqlState == "42501" ? .refused : .databaseFailed, error.message)
        } catch {
            throw TailError(.databaseFailed, "\(error)")
        }
    }

    /// Closes the connection. Idempotent.
    func close() {
        connection.close()
    }

    /// Whether libpq's connection error is the server saying no to these credentials.
    static func isRefusal(_ message: String) -> Bool {
        let text = message.lowercased()
        return text.contains("authentication failed") || text.contains("no pg_hba.conf entry") || text.contains("permission denied")
            || (text.contains("role \"") && text.contains("does not exist"))
    }
}
