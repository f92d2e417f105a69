import Foundation
import ShapeWhere
import ShapeWire
import SyncModel

/// What a shape is: a table, a `where` with its params, the synced columns,
/// the replica mode and the log mode. The same definition always resolves to
/// the same live handle.
public struct ShapeDefinition: Sendable, Hashable, Codable {
    public enum Replica: String, Sendable, Codable { case `default`, full }
    public enum LogMode: String, Sendable, Codable {
        case full
        case changesOnly = "changes_only"
    }

    public let table: String
    /// The clause as given (nil: every row).
    public let whereText: String?
    public let params: [String]
    /// Selected columns in table order (nil: all).
    public let columns: [String]?
    public let replica: Replica
    public let log: LogMode

    public init(table: String, whereText: String?, params: [String], columns: [String]?, replica: Replica, log: LogMode) {
        self.table = table
        self.whereText = whereText
        self.params = params
        self.columns = columns
        self.replica = replica
        self.log = log
    }
}

/// A definition resolved against its table: the compiled clause and the
/// identity key two equivalent definitions share.
struct ResolvedShape: Sendable {
    let definition: ShapeDefinition
    let table: TableSchema
    let clause: WhereClause?
    let selectedColumns: [String]

    /// Table, normalised where (params substituted as typed literals), columns,
    /// replica and log: what makes two requests the same shape.
    let identity: String

    init(definition: ShapeDefinition, table: TableSchema) throws(WhereError) {
        self.definition = definition
        self.table = table
        if let text = definition.whereText {
            clause = try WhereClause.parse(text, columns: table.columnTypes, params: definition.params)
        } else {
            clause = nil
        }
        selectedColumns = definition.columns ?? table.columnNames
        identity = [table.schema, table.name, clause?.normalized ?? "", selectedColumns.joined(separator: ","),
                    definition.replica.rawValue, definition.log.rawValue].joined(separator: "\u{1F}")
    }

    func matches(_ row: [String: String?]) -> Bool {
        clause?.matches(row) ?? true
    }

    /// The snapshot query for this shape's rows, narrowed by `subset` if given:
    /// the database filters as far as the clause translates, and whatever it
    /// cannot is checked here row by row.
    func snapshotQuery(dialect: SQLDialect, includeRows: Bool = true, subset: SubsetRequest? = nil) -> SnapshotQuery {
        var both = clause
        if let narrowing = subset?.clause { both = both.map { $0.and(narrowing) } ?? narrowing }
        guard let combined = both else {
            return SnapshotQuery(filter: nil, keep: nil, includeRows: includeRows,
                                 orderBy: subset?.orderBy?.sql(tiebreak: table.primaryKey), limit: subset?.limit, offset: subset?.offset ?? 0)
        }
        let filter = combined.sqlFilter(dialect: dialect)
        var keep: (@Sendable ([String: String?]) -> Bool)?
        if filter?.exact != true { keep = { @Sendable row in combined.matches(row) } }
        return SnapshotQuery(
            filter: filter, keep: keep, includeRows: includeRows,
            orderBy: subset?.orderBy?.sql(tiebreak: table.primaryKey), limit: subset?.limit, offset: subset?.offset ?? 0)
    }
}
