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
        // A send in one round trip: the idempotency check, the ownership check,
        // both inserts and the txid, in the statement's own transaction. It
        // writes only when nothing stands in the way and otherwise returns
        // the facts, from which WriteRules decides the answer as for SQLite.
        (2, [
            """
            CREATE OR REPLACE FUNCTION qactl_send_question(
                p_conversation text, p_question text, p_answer text, p_user text, p_content text,
                p_asked timestamptz, p_placed timestamptz, p_fingerprint text)
            RETURNS TABLE (o_outcome text, o_txid bigint, o_earlier_user text, o_earlier_fingerprint text, o_owner text, o_taken text[])
            LANGUAGE plpgsql AS $$
            DECLARE
                v_txid bigint := pg_current_xact_id()::xid::text::bigint;
                v_owner text;
                v_taken text[];
                v_earlier record;
            BEGIN
                -- A duplicate sent while the first is in flight waits here, then answers as a repeat.
                PERFORM pg_advisory_xact_lock(hashtext('question:' || p_question));
                SELECT r.user_id, r.fingerprint, r.txid INTO v_earlier FROM qactl_requests r WHERE r.kind = 'question' AND r.id = p_question;
                IF FOUND THEN
                    RETURN QUERY SELECT 'repeat'::text, v_earlier.txid, v_earlier.user_id, v_earlier.fingerprint, NULL::text, NULL::text[];
                    RETURN;
                END IF;
                -- Locks the conversation row: concurrent sends to it queue instead of deadlocking.
                SELECT c.user_id INTO v_owner FROM conversations c WHERE c.id = p_conversation FOR NO KEY UPDATE;
                SELECT coalesce(array_agg(m.id), '{}') INTO v_taken FROM messages m WHERE m.id IN (p_question, p_answer);
                IF v_owner IS DISTINCT FROM p_user OR cardinality(v_taken) > 0 OR p_question = p_answer THEN
                    RETURN QUERY SELECT 'refused'::text, 0::bigint, NULL::text, NULL::text, v_owner, v_taken;
                    RETURN;
                END IF;
                INSERT INTO messages(id, conversation_id, user_id, role, status, content, created_at, updated_at)
                VALUES (p_question, p_conversation, p_user, 'user', 'completed', p_content, p_asked, p_asked),
                       (p_answer, p_conversation, p_user, 'assistant', 'pending', '', p_placed, p_placed);
                UPDATE conversations SET updated_at = p_placed WHERE id = p_conversation;
                INSERT INTO qactl_requests(kind, id, user_id, fingerprint, txid) VALUES ('question', p_question, p_user, p_fingerprint, v_txid);
                RETURN QUERY SELECT 'created'::text, v_txid, NULL::text, NULL::text, v_owner, v_taken;
            END $$
            """,
        ]),
        // Several instances on one database: an unfinished answer is worked on
        // by whoever holds its lease; a dead instance's leases expire and
        // another takes the answer over. Not published (never synced).
        (3, [
            """
            CREATE TABLE IF NOT EXISTS qactl_answer_leases (
                answer_id text PRIMARY KEY,
                owner text NOT NULL,
                expires_at timestamptz NOT NULL
            )
            """,
            "CREATE INDEX IF NOT EXISTS messages_unfinished ON messages(created_at) WHERE role = 'assistant' AND status IN ('pending', 'streaming')",
        ]),
    ]
}
