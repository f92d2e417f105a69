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

    public init(schema: String = "public", name: String, columns: [ColumnSchema]) {
        self.schema = schema
        self.name = name
        self.columns = columns
    }

    public var primaryKey: [String] {
        columns.filter { $0.primaryKeyIndex != nil }.sorted { $0.primaryKeyIndex! < $1.primaryKeyIndex! }.map(\.name)
    }

    public var columnNames: [String] { columns.map(\.name) }

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
        var key = "\"\(escapeName(schema))\".\"\(escapeName(name))\""
        let keyColumns = primaryKey.isEmpty ? columnNames.sorted() : primaryKey
        for column in keyColumns {
            if let value = row[column] ?? nil {
                key += "/\"" + (value.contains("/") ? value.replacingOccurrences(of: "/", with: "//") : value) + "\""
            } else {
                key += "/_"
            }
        }
        return key
    }

    private func escapeName(_ name: String) -> String {
        name.replacingOccurrences(of: "/", with: "//").replacingOccurrences(of: ".", with: "..")
    }
}
