/// The data model (AppModel's DataModel) in PostgreSQL, as versioned migrations.
enum PostgresSchema {
    static let migrations: [(Int, [String])] = [
        (1, [
            """
            CREATE TABLE IF NOT EXISTS conversations (
                id text PRIMARY KEY,
                user_id text NOT NULL,
                title text NOT NULL,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL
            )
            """,
            "CREATE INDEX IF NOT EXISTS conversations_user ON conversations(user_id, created_at)",
            """
            CREATE TABLE IF NOT EXISTS messages (
                id text PRIMARY KEY,
                conversation_id text NOT NULL REFERENCES conversations(id),
                user_id text NOT NULL,
                role text NOT NULL CHECK (role IN ('user', 'assistant')),
                status text NOT NULL CHECK (status IN ('pending', 'streaming', 'completed', 'failed')),
                content text NOT NULL,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL
            )
            """,
            "CREATE INDEX IF NOT EXISTS messages_conversation ON messages(conversation_id, created_at)",
            """
            CREATE TABLE IF NOT EXISTS qactl_requests (
                kind text NOT NULL,
                id text NOT NULL,
                user_id text NOT NULL,
                fingerprint text NOT NULL,
                txid bigint NOT NULL,
                PRIMARY KEY (kind, id)
            )
            """,
            // Old rows on every update and delete: updates carry old values, and
            // unchanged TOAST values can be filled from them.
            "ALTER TABLE conversations REPLICA IDENTITY FULL",
            "ALTER TABLE messages REPLICA IDENTITY FULL",
        ]),
    ]
}
