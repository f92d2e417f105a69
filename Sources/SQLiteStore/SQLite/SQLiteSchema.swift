import AppModel
import GRDB
import ShapeWire
/// The embedded store's schema, as versioned migrations.
///
/// Change capture is done by triggers, so a row written by any program (the
/// `sqlite3` shell included) lands in `_qactl_changes` in the same transaction.
/// Transactions are numbered by `_qactl_tx`: qactl's own writer opens a row
/// there before writing (and so knows its txid inside the transaction); a
/// trigger opens one for writers that did not. The change feed closes those.
enum SQLiteSchema {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: data model, transactions, change log, shapes") { db in
            try db.execute(sql: """
                CREATE TABLE conversations (
                    id TEXT PRIMARY KEY NOT NULL,
                    user_id TEXT NOT NULL,
                    title TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE INDEX conversations_user ON conversations(user_id, created_at);
                CREATE TABLE messages (
                    id TEXT PRIMARY KEY NOT NULL,
                    conversation_id TEXT NOT NULL REFERENCES conversations(id),
                    user_id TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
                    status TEXT NOT NULL CHECK (status IN ('pending', 'streaming', 'completed', 'failed')),
                    content TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE INDEX messages_conversation ON messages(conversation_id, created_at);

                CREATE TABLE _qactl_tx (
                    txid INTEGER PRIMARY KEY AUTOINCREMENT,
                    open INTEGER NOT NULL,
                    origin TEXT NOT NULL,
                    committed_ms INTEGER NOT NULL
                );
                CREATE INDEX _qactl_tx_open ON _qactl_tx(open) WHERE open = 1;
                CREATE TABLE _qactl_changes (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    txid INTEGER NOT NULL,
                    tbl TEXT NOT NULL,
                    op TEXT NOT NULL,
                    old_row TEXT,
                    new_row TEXT
                );
                CREATE INDEX _qactl_changes_txid ON _qactl_changes(txid, seq);

                """)
            try ShapeCatalog.createTables(db)
            for table in DataModel.tables {
                try db.execute(sql: captureTriggers(for: table))
            }
        }
        migrator.registerMigration("v2: idempotent write requests") { db in
            try db.execute(sql: """
                CREATE TABLE _qactl_requests (
                    kind TEXT NOT NULL,
                    id TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    txid INTEGER NOT NULL,
                    PRIMARY KEY (kind, id)
                );
                """)
        }
        migrator.registerMigration("v3: shape snapshot visibility") { db in
            try ShapeCatalog.addVisibility(db)
        }
        return migrator
    }

    /// `CAST(... AS INTEGER)` milliseconds since 1970, in SQL.
    static let nowMilliseconds = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"

    /// Opens a transaction row for writers that did not open one themselves.
    private static let openExternalTransaction = """
        INSERT INTO _qactl_tx(open, origin, committed_ms)
            SELECT 1, 'external', \(nowMilliseconds) WHERE NOT EXISTS (SELECT 1 FROM _qactl_tx WHERE open = 1);
        """

    private static func rowJSON(_ table: TableSchema, _ alias: String) -> String {
        "json_object(" + table.columnNames.map { "'\($0)', \(alias).\"\($0)\"" }.joined(separator: ", ") + ")"
    }

    static func captureTriggers(for table: TableSchema) -> String {
        let name = table.name
        let openTxid = "(SELECT max(txid) FROM _qactl_tx WHERE open = 1)"
        return """
            CREATE TRIGGER _qactl_\(name)_insert AFTER INSERT ON \(name) BEGIN
                \(openExternalTransaction)
                INSERT INTO _qactl_changes(txid, tbl, op, old_row, new_row)
                    VALUES (\(openTxid), '\(name)', 'insert', NULL, \(rowJSON(table, "NEW")));
            END;
            CREATE TRIGGER _qactl_\(name)_update AFTER UPDATE ON \(name) BEGIN
                \(openExternalTransaction)
                INSERT INTO _qactl_changes(txid, tbl, op, old_row, new_row)
                    VALUES (\(openTxid), '\(name)', 'update', \(rowJSON(table, "OLD")), \(rowJSON(table, "NEW")));
            END;
            CREATE TRIGGER _qactl_\(name)_delete AFTER DELETE ON \(name) BEGIN
                \(openExternalTransaction)
                INSERT INTO _qactl_changes(txid, tbl, op, old_row, new_row)
                    VALUES (\(openTxid), '\(name)', 'delete', \(rowJSON(table, "OLD")), NULL);
            END;
            """
    }
}
