import ShapeWire
/// The tables qactl syncs (the README, "The API, by hand"). Every value is stored and synced
/// in its Postgres text form, so a row reads the same from SQLite and Postgres.
public enum DataModel {
    public static let conversations = TableSchema(name: "conversations", columns: [
        ColumnSchema(name: "id", type: "text", primaryKeyIndex: 0, notNull: true),
        ColumnSchema(name: "user_id", type: "text", notNull: true),
        ColumnSchema(name: "title", type: "text", notNull: true),
        ColumnSchema(name: "created_at", type: "timestamptz", notNull: true),
        ColumnSchema(name: "updated_at", type: "timestamptz", notNull: true),
    ])

    public static let messages = TableSchema(name: "messages", columns: [
        ColumnSchema(name: "id", type: "text", primaryKeyIndex: 0, notNull: true),
        ColumnSchema(name: "conversation_id", type: "text", notNull: true),
        ColumnSchema(name: "user_id", type: "text", notNull: true),
        ColumnSchema(name: "role", type: "text", notNull: true),
        ColumnSchema(name: "status", type: "text", notNull: true),
        ColumnSchema(name: "content", type: "text", notNull: true),
        ColumnSchema(name: "created_at", type: "timestamptz", notNull: true),
        ColumnSchema(name: "updated_at", type: "timestamptz", notNull: true),
    ])

    /// Every synced table.
    public static let tables = [conversations, messages]

    public static func table(named name: String) -> TableSchema? {
        tables.first { $0.name == name }
    }
}
