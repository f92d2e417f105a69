import Foundation
import ShapeWhere
import ShapeWire

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
    var identity: String {
        [table.schema, table.name, clause?.normalized ?? "", selectedColumns.joined(separator: ","),
         definition.replica.rawValue, definition.log.rawValue].joined(separator: "\u{1F}")
    }

    init(definition: ShapeDefinition, table: TableSchema) throws(WhereError) {
        self.definition = definition
        self.table = table
        if let text = definition.whereText {
            clause = try WhereClause.parse(text, columns: table.columnTypes, params: definition.params)
        } else {
            clause = nil
        }
        selectedColumns = definition.columns ?? table.columnNames
    }

    func matches(_ row: [String: String?]) -> Bool {
        clause?.matches(row) ?? true
    }
}
