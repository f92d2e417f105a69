@testable import Answering

/// A small documentation set in the style of qactl's own: tokens, shapes, txids, set-up.
enum KnowledgeFixtures {
    static let tokens = KnowledgeDocument(name: "tokens.md", text: """
        # Tokens

        qactl uses two kinds of JWT. An auth token says who you are; a shape token says
        exactly which rows you may sync.

        ## Minting tokens

        Mint an auth token with `qactl token mint auth --sub alice`. To mint a shape token,
        run `qactl token mint shape --sub alice --table messages --param conversationId=c-1`;
        the shape token names exactly one shape and expires after five minutes unless you
        pass `--ttl`.

        ## Decoding tokens

        `qactl token decode TOKEN` prints the header, the claims and when the token expires.
        With `--verify` it also checks the signature against the keys in the data dir.

        ## Rotating keys

        `qactl token rotate auth` creates a new signing key. Older keys keep verifying
        until `--keep` drops them.
        """)

    static let shapes = KnowledgeDocument(name: "shapes.md", text: """
        # Shapes

        A shape is a live, filtered subset of one table: a table name, a where clause and its
        parameters. Clients read shapes over the HTTP shape protocol.

        ## Offsets and live mode

        Every response carries an offset. A client sends the last offset back to receive only
        newer changes, and with `live=true` the server holds the request until something
        changes or twenty seconds pass.

        Shape logs can be compacted; a client whose offset is too old must refetch the snapshot.
        """)

    static let txids = KnowledgeDocument(name: "txids.md", text: """
        Transaction ids
        ===============

        Every write through the API returns the txid of the transaction that wrote it.
        Clients keep their optimistic copy until that txid comes back through the sync stream,
        then drop it.

        Waiting for a txid
        ------------------

        `qactl tail-txid --await TXID --timeout 5s` exits 0 when the transaction is seen and 4
        when the timeout passes first.
        """)

    static let notes = KnowledgeDocument(name: "notes.txt", text: """
        The data dir holds the signing keys and the embedded SQLite database.
        Its default place is ~/.local/share/qactl.

        # this line is not a heading in a text file
        Back up the data dir before upgrading.
        """)

    static let all = [tokens, shapes, txids, notes]
}
