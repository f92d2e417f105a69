extension KnowledgeBase {
    /// qactl's own documentation, built into the binary: what `qactl serve --answerer builtin`
    /// answers from when no `--knowledge` folder is given.
    public static var qactlDocumentation: KnowledgeBase {
        KnowledgeBase(documents: BuiltinDocumentation.documents)
    }
}

/// Copies of qactl's README and command-line guide, so that the default answerer has
/// something true to say about qactl without any file on disk. Refresh them when those
/// documents change.
enum BuiltinDocumentation {
    static let documents = [
        KnowledgeDocument(name: "README.md", text: readme),
        KnowledgeDocument(name: "cli.md", text: commandLine),
    ]

    static let readme = #"""
        # qactl

        qactl is one executable for building and running real-time apps in the
        "TanStack DB + ElectricSQL" style. Clients read live, filtered subsets of tables
        (*shapes*) over Electric's HTTP shape protocol, write through an API that returns
        the writing transaction's *txid*, show their writes optimistically at once, and
        drop the optimistic copy when that txid comes back through the sync stream.
        Access is controlled by two JWTs: an *auth token* (who you are) exchanged for a
        short-lived *shape token* (exactly which rows you may sync).

        ## Prerequisites

        - Swift 6.x (`swift --version`)
        - Debian packages: `libpq-dev libsqlite3-dev libssl-dev libcurl4-openssl-dev postgresql`
          (the tests also use `sqlite3`)

        ## Set-up

        ```sh
        swift build                 # builds qactl into .build/debug/qactl
        swift test                  # runs every test
        ```

        `.ci/run` installs the Debian packages a fresh machine lacks and runs `swift test`.

        ## Data dir

        Signing keys (and, later, the embedded database) live in the data dir:
        `--data-dir PATH`, or `QACTL_DATA_DIR`, else `$XDG_DATA_HOME/qactl`
        (`~/.local/share/qactl`). On first use qactl creates one HS256 key for auth tokens
        and another for shape tokens (`keys/auth.json`, `keys/shape.json`, mode 0600 in a
        0700 directory). A key file that is corrupt, truncated or readable by others is
        reported with its path and never used or replaced.

        ## qactl token

        Mint an auth token and inspect it:

        ```console
        $ qactl token mint auth --sub alice | qactl token decode --verify -
        Header
          alg  HS256
          kid  auth-20261129-7d20ce70
          typ  JWT
        Claims
          aud  qactl:api
          exp  1795965852
          iat  1795922652
          iss  qactl
          sub  alice

        Kind     auth token
        Issued   2026-11-29 03:24:12 UTC
        Expires  2026-11-29 15:24:12 UTC (expires in 11h59m)
        Verdict  valid
        ```

        A shape token names exactly one shape (operator tool: no ownership check):

        ```console
        $ qactl token mint shape --sub alice --table messages --param conversationId=c-1 | qactl token decode -
        ...
        Kind     shape token
        Issued   2026-11-29 03:24:12 UTC
        Expires  2026-11-29 03:29:12 UTC (expires in 4m59s)
        Shape    table messages
                 where conversation_id = $1
                 params ["c-1"]
        ```

        Refusals name the reason and exit 3; input that is not a token exits 2:

        ```console
        $ qactl token decode --verify "$ALTERED_TOKEN"
        ...
        Verdict  bad signature: the signature does not match key "auth-20261129-7d20ce70" (the token was altered or signed with another secret)
        qactl: token refused: bad signature: the signature does not match key "auth-20261129-7d20ce70" (the token was altered or signed with another secret)
        $ qactl token decode nonsense
        qactl: not a token: a JWT has 3 dot-separated parts, this has 1
        ```

        Rotate keys: the newest key signs, older keys keep verifying until `--keep` drops them.

        ```console
        $ qactl token rotate auth
        auth: now signing with auth-20261129-a852195a (2 keys verify)
        ```

        `--json` on `mint` and `decode` prints one JSON object instead.

        Exit codes (every command): 0 success, 1 failure, 2 usage error, 3 authentication
        or authorisation refused, 4 timed out.

        ## Docs

        `--help` works on every command. Man pages (`man/`) and bash, zsh and fish
        completions (`completions/`) are generated from the command definitions by
        `scripts/generate-docs`; a test fails when the committed copies are stale.

        ```sh
        man -l man/qactl-token-decode.1
        source completions/qactl.bash
        ```
        """#

    static let commandLine = #"""
        # qactl: command-line contract

        One executable, `qactl`, with subcommands that share one module graph. Every
        option can also come from the environment variable named beside it. `--help`
        on every command, `qactl --version`, man pages under `man/`, completion
        scripts under `completions/` (bash, zsh, fish), all generated from the same
        command definitions so they never drift.

        Conventions: human output on a TTY (colour only on a TTY and never with
        `NO_COLOR`), `--json` for one JSON object per line on stdout, diagnostics on
        stderr, durations written like `5m`, `30s`, `250ms`. Exit codes: 0 success,
        1 failure, 2 usage error, 3 authentication/authorisation refused, 4 timed out.

        ## qactl serve

        Runs the whole service: API, gatekeeper, sync service, answer generation.

        | option | env | default |
        |---|---|---|
        | `--listen HOST:PORT` | `QACTL_LISTEN` | `127.0.0.1:8787` |
        | `--data-dir PATH` | `QACTL_DATA_DIR` | `$XDG_DATA_HOME/qactl` (`~/.local/share/qactl`) |
        | `--database-url URL` | `QACTL_DATABASE_URL` | `sqlite://<data-dir>/qactl.sqlite` (embedded); `postgres://…` for PostgreSQL |
        | `--electric-url URL` | `ELECTRIC_URL` | none: the embedded sync service |
        | `--electric-secret S` | `ELECTRIC_SECRET` | none |
        | `--sync-secret S` | `QACTL_SYNC_SECRET` | none: `/v1/shape` then refuses every caller (401) and only the in-process gatekeeper reads the sync service |
        | `--answerer builtin\|openai\|command` | `QACTL_ANSWERER` | `builtin` |
        | `--knowledge DIR` | `QACTL_KNOWLEDGE` | qactl's own documentation |
        | `--llm-url URL`, `--llm-model NAME` | `QACTL_LLM_URL`, `QACTL_LLM_MODEL` | none (key from `OPENAI_API_KEY`) |
        | `--answer-command CMD` | `QACTL_ANSWER_COMMAND` | none |
        | `--shape-token-ttl DURATION` | | `5m` |
        | `--log-level`, `--log-format text\|json` | `QACTL_LOG_LEVEL`, `QACTL_LOG_FORMAT` | `info`, `text` |

        With no options at all it starts on an embedded SQLite store in the data dir,
        creates signing keys there on first run (file mode 0600), runs migrations, and
        prints where it listens and how to connect (`qactl chat --user NAME`). It shuts
        down cleanly on SIGINT/SIGTERM (in-flight requests finish, live polls are
        answered, nothing half-written). With a `postgres://` URL it needs
        `wal_level=logical` and says so plainly if it is not set.

        Answerers: `builtin` answers from a folder of Markdown/text files (ranked
        passages, offline, no model); `openai` streams from any OpenAI-compatible chat
        completions endpoint (llama.cpp server, Ollama, vLLM, hosted APIs) with the
        conversation so far as context; `command` pipes the question to a command and
        streams its standard output.

        ## qactl token

        - `qactl token mint auth --sub USER [--ttl 12h]` prints an auth token signed
          with the data dir's key.
        - `qactl token mint shape --sub USER --table messages --param conversationId=ID [--ttl 5m]`
          prints a shape token for that shape (operator tool: no ownership check).
        - `qactl token decode TOKEN` (or `-` for stdin) prints header, claims,
          issued/expires times in local time with "expires in 4m12s"/"expired 3h ago",
          and, for shape tokens, the shape (table, where, params). `--verify` also
          checks the signature against the data dir's keys and says valid / expired /
          bad signature / unknown key / wrong audience, with exit code 0 only if valid.
          Garbage input is a one-line error, exit 2, never a crash.

        ## qactl chat

        An interactive terminal client of the service, built on qactl's sync client.

        | option | env | default |
        |---|---|---|
        | `--server URL` | `QACTL_SERVER` | `http://127.0.0.1:8787` |
        | `--user NAME` | `QACTL_USER` | none: mints an auth token from the local data dir |
        | `--token JWT` | `QACTL_TOKEN` | none |
        | `--conversation ID` / `--new TITLE` | | the user's most recent conversation, else a new one |
        | `--ask TEXT` | | interactive mode |
        | `--json` | | off |

        Interactive: messages of the conversation in `created_at` order, live; a
        composer line; a status line (connecting / syncing / live / offline, pending
        writes, last round-trip). Sending shows the question and an answer placeholder
        at once (optimistic), marks them confirmed when the write's txid has synced
        back, rolls them back with a visible error if the write fails, and streams the
        answer as the service updates it. Other clients' messages in the same
        conversation appear live. Commands: `/new TITLE`, `/list`, `/switch ID`,
        `/quit`. The local replica persists between runs, so a restart shows the
        conversation at once and resumes from the saved offset.

        `--ask TEXT` (no TTY needed): send one question, wait for its answer to
        complete, print it, exit 0 (1 if the answer failed, 4 on timeout). With
        `--json`, every state change is one JSON line (optimistic, confirmed with
        txid and round-trip ms, answer chunks, completed).

        ## qactl tail-txid

        Follows a shape and prints one line per transaction as it arrives: txid, offset,
        operations (insert/update/delete counts), keys, and the delay since commit when
        known.

        | option | default |
        |---|---|
        | `--server URL`, `--user NAME` / `--token JWT` | as chat |
        | `--conversation ID` or `--table conversations` | the user's conversations |
        | `--database-url postgres://…` | read the database's logical replication stream directly (temporary slot, nothing left behind) instead of a shape |
        | `--await TXID [--timeout 5s]` | exit 0 when that txid is seen, 4 on timeout |
        | `--from now\|start` | `now` |
        | `--json` | off |
        """#
}
