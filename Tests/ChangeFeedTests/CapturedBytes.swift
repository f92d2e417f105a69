/// CopyData payloads captured from PostgreSQL 15.18 (a `START_REPLICATION …
/// (proto_version '1')` stream read with libpq), as hex. They were produced by:
///
/// ```sql
/// CREATE TYPE mood AS ENUM ('happy', 'sad');
/// CREATE TABLE messages (id text PRIMARY KEY, conversation_id text, content text, feeling mood);
/// ALTER TABLE messages REPLICA IDENTITY FULL;
/// CREATE TABLE plain (id int PRIMARY KEY, note text);
/// CREATE TABLE docs (id int PRIMARY KEY, title text, body text);
/// ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL;
/// INSERT INTO messages VALUES ('m1', 'c1', 'hello', 'happy');   -- xid 732
/// INSERT INTO messages VALUES ('m2', 'c1', NULL, NULL);
/// UPDATE messages SET content = 'hi' WHERE id = 'm1';
/// DELETE FROM messages WHERE id = 'm2';
/// INSERT INTO plain VALUES (1, 'a');
/// UPDATE plain SET note = 'b' WHERE id = 1;
/// UPDATE plain SET id = 2 WHERE id = 1;
/// DELETE FROM plain WHERE id = 2;
/// TRUNCATE plain;
/// -- with pg_replication_origin_session_setup('upstream') and pg_replication_origin_xact_setup('0/1000', now()):
/// INSERT INTO plain VALUES (3, 'from upstream');
/// INSERT INTO docs VALUES (1, 'v1', repeat('y', 3000));
/// UPDATE docs SET title = 'v2' WHERE id = 1;   -- body stays TOASTed: sent as 'u'
/// ```
enum Captured {
    /// `k`: WAL end 0/192ADD0, reply not requested.
    static let keepalive = "6b000000000192add0000304610acdfb6c00"
    /// `B` of xid 732, committing at 0/192ADA0.
    static let begin = "77000000000192acb8000000000192acb8000304610acdfb0b42000000000192ada0000304610acdf9ec000002dc"
    /// `Y` for the enum type `public.mood` (OID 16386).
    static let type = "7700000000000000000000000000000000000304610acdfb3759000040027075626c6963006d6f6f6400"
    /// `R` for `public.messages` (REPLICA IDENTITY FULL: every column flagged as key).
    static let relationMessages = "7700000000000000000000000000000000000304610acdfb3c52000040077075626c6963006d65737361676573006600040169640000000019ffffffff01636f6e766572736174696f6e5f69640000000019ffffffff01636f6e74656e740000000019ffffffff016665656c696e670000004002ffffffff"
    /// `I` of ('m1', 'c1', 'hello', 'happy') into messages.
    static let insert = "77000000000192acb8000000000192acb8000304610acdfb5949000040074e000474000000026d3174000000026331740000000568656c6c6f74000000056861707079"
    /// `C` of xid 732: commit LSN 0/192ADA0, end LSN 0/192ADD0.
    static let commit = "77000000000192add0000000000192add0000304610acdfb5f4300000000000192ada0000000000192add0000304610acdf9ec"
    /// `I` of ('m2', 'c1', NULL, NULL).
    static let insertWithNulls = "77000000000192add0000000000192add0000304610acdfb7949000040074e000474000000026d32740000000263316e6e"
    /// `U` with an `O` old row: content 'hello' → 'hi'.
    static let updateWithOldRow = "77000000000192ae80000000000192ae80000304610acdfc1c55000040074f000474000000026d3174000000026331740000000568656c6c6f740000000568617070794e000474000000026d31740000000263317400000002686974000000056861707079"
    /// `D` with an `O` old row ('m2', 'c1', NULL, NULL).
    static let deleteWithOldRow = "77000000000192af18000000000192af18000304610acdfc6344000040074f000474000000026d32740000000263316e6e"
    /// `R` for `public.plain` (REPLICA IDENTITY DEFAULT: only `id` flagged as key).
    static let relationPlain = "7700000000000000000000000000000000000304610ace009c520000400e7075626c696300706c61696e006400020169640000000017ffffffff006e6f74650000000019ffffffff"
    /// `I` of (1, 'a') into plain.
    static let insertPlain = "7700000000019303200000000001930320000304610ace00a3490000400e4e0002740000000131740000000161"
    /// `U` without an old row (key unchanged, identity DEFAULT): note 'a' → 'b'.
    static let updateWithoutOldRow = "7700000000019304300000000001930430000304610ace00b5550000400e4e0002740000000131740000000162"
    /// `U` with a `K` key row: id 1 → 2.
    static let updateWithKey = "7700000000019304a800000000019304a8000304610ace00f3550000400e4b00027400000001316e4e0002740000000132740000000162"
    /// `D` with a `K` key row: id 2 (the other column sent as null).
    static let deleteWithKey = "7700000000019305700000000001930570000304610ace0119440000400e4b00027400000001326e"
    /// `B` of the transaction that truncates plain (xid 742).
    static let beginOfTruncate = "7700000000019311380000000001931138000304610ace0824420000000001931168000304610ace07c1000002e6"
    /// `R` for plain again after TRUNCATE, identical to the first.
    static let relationPlainResent = "7700000000000000000000000000000000000304610ace082b520000400e7075626c696300706c61696e006400020169640000000017ffffffff006e6f74650000000019ffffffff"
    /// `T` of one relation (plain, OID 16398), no options.
    static let truncate = "7700000000019311380000000001931138000304610ace082c5400000001000000400e"
    /// `C` of the truncating transaction.
    static let commitOfTruncate = "7700000000019312d800000000019312d8000304610ace082d4300000000000193116800000000019312d8000304610ace07c1"
    /// `O`: the transaction came from origin 'upstream' at 0/1000.
    static let origin = "7700000000019312d800000000019312d8000304610ace0a7b4f0000000000001000757073747265616d00"
    /// `R` for `public.docs` (REPLICA IDENTITY DEFAULT).
    static let relationDocs = "7700000000000000000000000000000000000304610bacbab552000040157075626c696300646f6373006400030169640000000017ffffffff007469746c650000000019ffffffff00626f64790000000019ffffffff"
    /// `U` of docs without an old row whose TOASTed body is unchanged: ('1', 'v2', unchanged).
    static let updateUnchangedToast = "7700000000019308a000000000019308a0000304610bacbb0355000040154e00037400000001317400000002763275"
}
