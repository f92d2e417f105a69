import Foundation

/// One column of a synced table, as `electric-schema` describes it.
public struct ColumnSchema: Sendable, Hashable {
    public let name: String
    /// The Postgres type name (`text`, `int8`, `timestamptz`, …).
    public let type: String
    /// Position in the primary key, if the column is part of it.
    public let primaryKeyIndex: Int?
    public let notNull: Bool

    public init(name: String, type: String, primaryKeyIndex: Int? = nil, notNull: Bool = false) {
        self.name = name
        self.type = type
        self.primaryKeyIndex = primaryKeyIndex
        self.notNull = notNull
    }
}

/// A table the sync service can serve.
public struct TableSchema: Sendable, Hashable {
    public let schema: String
    public let name: String
    /// In table order.
    public let columns: [ColumnSchema]

    /// Primary-key columns in key order.
    public let primaryKey: [String]
    public let columnNames: [String]
    /// `"<schema>"."<table>"`, the start of every row key (computed once: keys are
    /// built for every row of every snapshot).
    private let keyPrefix: String
    /// The columns a row key is made of.
    private let keyColumns: [String]

    public init(schema: String = "public", name: String, columns: [ColumnSchema]) {
        self.schema = schema
        self.name = name
        self.columns = columns
        let keyed = columns.compactMap { column in column.primaryKeyIndex.map { ($0, column.name) } }
        primaryKey = keyed.sorted { $0.0 < $1.0 }.map(\.1)
        columnNames = columns.map(\.name)
        func escape(_ name: String) -> String {
            name.replacingOccurrences(of: "/", with: "//").replacingOccurrences(of: ".", with: "..")
        }
        keyPrefix = "\"\(escape(schema))\".\"\(escape(name))\""
        keyColumns = primaryKey.isEmpty ? columnNames.sorted() : primaryKey
    }

    public var columnTypes: [String: String] {
        Dictionary(uniqueKeysWithValues: columns.map { ($0.name, $0.type) })
    }

    public func column(_ name: String) -> ColumnSchema? {
        columns.first { $0.name == name }
    }

    /// The `electric-schema` header for `selected` columns (all when nil).
    public func electricSchema(selected: [String]? = nil) -> String {
        let names = selected ?? columnNames
        let members: [(String, String)] = names.compactMap { name in
            guard let column = column(name) else { return nil }
            var fields: [(String, String)] = [("type", JSONText.quoted(column.type))]
            if let index = column.primaryKeyIndex { fields.append(("pk_index", String(index))) }
            if column.notNull { fields.append(("not_null", "true")) }
            return (name, JSONText.object(fields))
        }
        return JSONText.object(members)
    }

    /// The row key: `"<schema>"."<table>"/"<pk value>"…`, `/` inside values doubled.
    public func rowKey(_ row: [String: String?]) -> String {
        var key = keyPrefix
        for column in keyColumns {
            if let value = row[column] ?? nil {
                // A byte scan: `String.contains(_: String)` is Foundation's, and bridges to NSString.
                key += "/\"" + (value.utf8.contains(UInt8(ascii: "/")) ? value.replacingOccurrences(of: "/", with: "//") : value) + "\""
            } else {
                key += "/_"
            }
        }
        return key
    }
}
