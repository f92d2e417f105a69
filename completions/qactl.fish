function __qactl_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __qactl_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __qactl_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __qactl_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __qactl_parse_tokens -S
    set -l unparsed_tokens (__qactl_tokens -pc)
    switch $unparsed_tokens[1]
    case 'qactl'
        __qactl_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'serve'
            __qactl_parse_subcommand 0 'listen=' 'sync-secret=' 'log-level=' 'log-format=' 'database-url=' 'electric-url=' 'electric-secret=' 'shape-token-ttl=' 'answerer=' 'knowledge=' 'llm-url=' 'llm-model=' 'answer-command=' 'answer-concurrency=' 'answer-timeout=' 'long-poll-timeout=' 'shape-chunk-bytes=' 'max-connections=' 'idle-timeout=' 'max-snapshot-requests=' 'max-live-requests=' 'shape-ttl=' 'max-shapes=' 'open-as=' 'answer-lease=' 'sse-timeout=' 'allow-shape-deletion' 'new-database' 'data-dir=' 'keys-dir=' 'version' 'h/help'
        case 'chat'
            __qactl_parse_subcommand 0 'server=' 'user=' 'token=' 'conversation=' 'new=' 'ask=' 'json' 'timeout=' 'replica-dir=' 'data-dir=' 'keys-dir=' 'version' 'h/help'
        case 'token'
            __qactl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'mint'
                __qactl_parse_subcommand 0 'version' 'h/help'
                switch $unparsed_tokens[1]
                case 'auth'
                    __qactl_parse_subcommand 0 'sub=' 'ttl=' 'json' 'data-dir=' 'keys-dir=' 'version' 'h/help'
                case 'shape'
                    __qactl_parse_subcommand 0 'sub=' 'table=' 'param=+' 'ttl=' 'json' 'data-dir=' 'keys-dir=' 'version' 'h/help'
                end
            case 'decode'
                __qactl_parse_subcommand 1 'verify' 'json' 'data-dir=' 'keys-dir=' 'version' 'h/help'
            case 'rotate'
                __qactl_parse_subcommand 1 'keep=' 'data-dir=' 'keys-dir=' 'version' 'h/help'
            end
        case 'tail-txid'
            __qactl_parse_subcommand 0 'server=' 'user=' 'token=' 'conversation=' 'table=' 'database-url=' 'await=' 'timeout=' 'from=' 'json' 'data-dir=' 'keys-dir=' 'version' 'h/help'
        case 'inspect'
            __qactl_parse_subcommand 2 'server=' 'secret=' 'json' 'version' 'h/help'
        case 'slots'
            __qactl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'list'
                __qactl_parse_subcommand 0 'database-url=' 'data-dir=' 'keys-dir=' 'json' 'version' 'h/help'
            case 'drop'
                __qactl_parse_subcommand 1 'database-url=' 'data-dir=' 'keys-dir=' 'version' 'h/help'
            end
        case 'bench'
            __qactl_parse_subcommand -r 1 'quick' 'json' 'version' 'h/help'
        case 'help'
            __qactl_parse_subcommand -r 1 'version'
        end
    end
end

function __qactl_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __qactl_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __qactl_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __qactl_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__qactl_tokens -p)
    if test -z "$(__qactl_tokens -t)"
        set -l index (count (__qactl_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'qactl' -f
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl" version' -l 'version' -d 'Show the version.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_positional "qactl" -eq 1' -fa 'serve' -d 'Run the service: API, shape-token gatekeeper and sync service, on an embedded SQLite store or PostgreSQL.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_positional "qactl" -eq 1' -fa 'chat' -d 'Chat with the service from a terminal: live conversations, optimistic sends, streaming answers.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_positional "qactl" -eq 1' -fa 'token' -d 'Issue, inspect and rotate qactl\'s tokens.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_positional "qactl" -eq 1' -fa 'tail-txid' -d 'Print one line per transaction as it arrives: txid, offset, operation counts, keys.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_positional "qactl" -eq 1' -fa 'inspect' -d 'Look inside a running qactl serve: shapes, transactions, clients, request counts.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_positional "qactl" -eq 1' -fa 'slots' -d 'List and drop the replication slots of qactl instances on a PostgreSQL database.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_positional "qactl" -eq 1' -fa 'bench' -d 'Measure qactl\'s performance targets against baselines from the same run.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_positional "qactl" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" listen' -l 'listen' -d 'Address to listen on; port 0 picks a free one (env: QACTL_LISTEN).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" sync-secret' -l 'sync-secret' -d 'Secret that callers of /v1/shape must send as ?secret= (env: QACTL_SYNC_SECRET; default: none, /v1/shape refuses every caller).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" log-level' -l 'log-level' -d 'trace, debug, info, notice, warning, error or critical (env: QACTL_LOG_LEVEL).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" log-format' -l 'log-format' -d 'text, or json for one JSON object per line (env: QACTL_LOG_FORMAT).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" database-url' -l 'database-url' -d 'sqlite://PATH for the embedded store, or postgres://user@host:5432/db for PostgreSQL with logical replication (env: QACTL_DATABASE_URL; default: sqlite://<data-dir>/qactl.sqlite).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" electric-url' -l 'electric-url' -d 'A real Electric to put behind the gatekeeper instead of the embedded sync service (env: ELECTRIC_URL).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" electric-secret' -l 'electric-secret' -d 'The secret the gatekeeper sends to Electric (env: ELECTRIC_SECRET).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" shape-token-ttl' -l 'shape-token-ttl' -d 'Lifetime of the shape tokens /shapes/auth-token issues.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" answerer' -l 'answerer' -d 'builtin (passages of --knowledge), openai (an OpenAI-compatible server), command, or none (answers stay pending for an outside worker to write) (env: QACTL_ANSWERER).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" knowledge' -l 'knowledge' -d 'Folder of Markdown and text files the builtin answerer answers from (env: QACTL_KNOWLEDGE; default: qactl\'s own documentation).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" llm-url' -l 'llm-url' -d 'Base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8080/v1 (env: QACTL_LLM_URL; key from OPENAI_API_KEY).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" llm-model' -l 'llm-model' -d 'Model name for the openai answerer (env: QACTL_LLM_MODEL).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" answer-command' -l 'answer-command' -d 'Command for the command answerer: gets the question on stdin, its stdout is the answer (env: QACTL_ANSWER_COMMAND).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" answer-concurrency' -l 'answer-concurrency' -d 'How many answers are generated at once.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" answer-timeout' -l 'answer-timeout' -d 'Longest an openai or command answer may take.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" long-poll-timeout' -l 'long-poll-timeout' -d 'How long a live /v1/shape request waits for changes.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" shape-chunk-bytes' -l 'shape-chunk-bytes' -d 'Snapshot and log responses close at about this many bytes.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" max-connections' -l 'max-connections' -d 'Client connections open at once, at most (lowered to what the file descriptor limit leaves room for). A request on a connection over it is answered 503 with retry-after.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" idle-timeout' -l 'idle-timeout' -d 'How long a connection may sit without a complete request (between requests, or part-way through one) before it is closed. A request whose body has not arrived by then is answered 408 first.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" max-snapshot-requests' -l 'max-snapshot-requests' -d 'Shape requests that create a shape or read its snapshot, at once; more are refused with 503 and retry-after.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" max-live-requests' -l 'max-live-requests' -d 'Live shape requests (parked long-polls) at once; more are refused with 503 and retry-after.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" shape-ttl' -l 'shape-ttl' -d 'A shape nobody reads for this long is dropped (its clients refetch); the change log is compacted behind the remaining shapes.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" max-shapes' -l 'max-shapes' -d 'Shapes kept at most; beyond it the least recently read are dropped (their clients refetch).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" open-as' -l 'open-as' -d 'Print a sign-in link to the web console for this user (an auth token in the link\'s fragment, which the browser never sends to the server).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" answer-lease' -l 'answer-lease' -d 'With several instances on one PostgreSQL: how long an instance\'s claim on an answer lasts without progress; then another instance takes the answer over.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" sse-timeout' -l 'sse-timeout' -d 'How long a live /v1/shape request in SSE mode (live_sse=true) streams before the server closes it; the client reconnects.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" allow-shape-deletion' -l 'allow-shape-deletion' -d 'Let callers with the sync secret drop a shape with DELETE /v1/shape (its clients refetch).'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" new-database' -l 'new-database' -d 'Start with a new, empty database when the data dir\'s database (or, on PostgreSQL, its replication log) is missing or empty; clients then refetch everything.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" data-dir' -l 'data-dir' -d 'Where keys and the embedded database live (env: QACTL_DATA_DIR; default: $XDG_DATA_HOME/qactl or ~/.local/share/qactl).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" keys-dir' -l 'keys-dir' -d 'Where the signing keys live, when not in the data dir\'s keys/ (env: QACTL_KEYS_DIR): one directory several instances share.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" version' -l 'version' -d 'Show the version.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl chat" server' -l 'server' -d 'The qactl server\'s base URL (env: QACTL_SERVER; default: http://127.0.0.1:8787).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl chat" user' -l 'user' -d 'Mint an auth token for this user with the data dir\'s signing key (env: QACTL_USER).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl chat" token' -l 'token' -d 'An auth token to use instead of --user (env: QACTL_TOKEN).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl chat" conversation' -l 'conversation' -d 'Open this conversation (default: your most recent one, else a new one).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl chat" new' -l 'new' -d 'Start a new conversation with this title.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl chat" ask' -l 'ask' -d 'Send one question, print its answer when complete, and exit.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl chat" json' -l 'json' -d 'One JSON object per line: each change (with --ask: optimistic, confirmed, chunk, completed).'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl chat" timeout' -l 'timeout' -d 'How long --ask (and the line mode at end of input) waits for answers, e.g. 30s, 2m.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl chat" replica-dir' -l 'replica-dir' -d 'Where conversations are kept between runs (env: QACTL_REPLICA_DIR; default: <data-dir>/replicas).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl chat" data-dir' -l 'data-dir' -d 'Where keys and the embedded database live (env: QACTL_DATA_DIR; default: $XDG_DATA_HOME/qactl or ~/.local/share/qactl).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl chat" keys-dir' -l 'keys-dir' -d 'Where the signing keys live, when not in the data dir\'s keys/ (env: QACTL_KEYS_DIR): one directory several instances share.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl chat" version' -l 'version' -d 'Show the version.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl chat" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token" version' -l 'version' -d 'Show the version.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_positional "qactl token" -eq 1' -fa 'mint' -d 'Print a new token signed with the data dir\'s key.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_positional "qactl token" -eq 1' -fa 'decode' -d 'Show a token\'s header, claims, lifetime and shape.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_positional "qactl token" -eq 1' -fa 'rotate' -d 'Add a new signing key; older keys keep verifying.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint" version' -l 'version' -d 'Show the version.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_positional "qactl token mint" -eq 1' -fa 'auth' -d 'Mint an auth token for a user.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_positional "qactl token mint" -eq 1' -fa 'shape' -d 'Mint a shape token (operator tool: no ownership check).'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint auth" sub' -l 'sub' -d 'The user id (sub claim).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint auth" ttl' -l 'ttl' -d 'How long the token is valid, e.g. 12h, 30m.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint auth" json' -l 'json' -d 'Print one JSON object instead of the bare token.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint auth" data-dir' -l 'data-dir' -d 'Where keys and the embedded database live (env: QACTL_DATA_DIR; default: $XDG_DATA_HOME/qactl or ~/.local/share/qactl).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint auth" keys-dir' -l 'keys-dir' -d 'Where the signing keys live, when not in the data dir\'s keys/ (env: QACTL_KEYS_DIR): one directory several instances share.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint auth" version' -l 'version' -d 'Show the version.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint auth" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint shape" sub' -l 'sub' -d 'The user id (sub claim).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint shape" table' -l 'table' -d 'The table: messages or conversations.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint shape"' -l 'param' -d 'A shape parameter, e.g. conversationId=c-1 (repeatable).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint shape" ttl' -l 'ttl' -d 'How long the token is valid, e.g. 5m.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint shape" json' -l 'json' -d 'Print one JSON object instead of the bare token.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint shape" data-dir' -l 'data-dir' -d 'Where keys and the embedded database live (env: QACTL_DATA_DIR; default: $XDG_DATA_HOME/qactl or ~/.local/share/qactl).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint shape" keys-dir' -l 'keys-dir' -d 'Where the signing keys live, when not in the data dir\'s keys/ (env: QACTL_KEYS_DIR): one directory several instances share.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint shape" version' -l 'version' -d 'Show the version.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token mint shape" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token decode" verify' -l 'verify' -d 'Check the signature and claims against the data dir\'s keys.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token decode" json' -l 'json' -d 'Print one JSON object.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token decode" data-dir' -l 'data-dir' -d 'Where keys and the embedded database live (env: QACTL_DATA_DIR; default: $XDG_DATA_HOME/qactl or ~/.local/share/qactl).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token decode" keys-dir' -l 'keys-dir' -d 'Where the signing keys live, when not in the data dir\'s keys/ (env: QACTL_KEYS_DIR): one directory several instances share.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token decode" version' -l 'version' -d 'Show the version.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token decode" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_positional "qactl token rotate" -eq 1' -fka 'auth shape all'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token rotate" keep' -l 'keep' -d 'Keep only the newest N keys of each rotated kind (default: keep all).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token rotate" data-dir' -l 'data-dir' -d 'Where keys and the embedded database live (env: QACTL_DATA_DIR; default: $XDG_DATA_HOME/qactl or ~/.local/share/qactl).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token rotate" keys-dir' -l 'keys-dir' -d 'Where the signing keys live, when not in the data dir\'s keys/ (env: QACTL_KEYS_DIR): one directory several instances share.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token rotate" version' -l 'version' -d 'Show the version.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl token rotate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl tail-txid" server' -l 'server' -d 'The qactl server\'s base URL (env: QACTL_SERVER; default: http://127.0.0.1:8787).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl tail-txid" user' -l 'user' -d 'Mint an auth token for this user with the data dir\'s signing key (env: QACTL_USER).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl tail-txid" token' -l 'token' -d 'An auth token to use instead of --user (env: QACTL_TOKEN).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl tail-txid" conversation' -l 'conversation' -d 'Follow the messages of this conversation.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl tail-txid" table' -l 'table' -d 'Follow this table\'s shape: conversations, the user\'s conversations (the default).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl tail-txid" database-url' -l 'database-url' -d 'Read this PostgreSQL database\'s replication stream instead of a shape (needs wal_level=logical).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl tail-txid" await' -l 'await' -d 'Exit 0 once this txid is seen or already visible; 4 on timeout.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl tail-txid" timeout' -l 'timeout' -d 'How long --await waits (default: 5s).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl tail-txid" from' -l 'from' -d 'now: only transactions from now on (default); start: the shape\'s snapshot as one line, then every transaction.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl tail-txid" json' -l 'json' -d 'One JSON object per line on stdout, each with a type: ready, snapshot, transaction, truncate, awaited.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl tail-txid" data-dir' -l 'data-dir' -d 'Where keys and the embedded database live (env: QACTL_DATA_DIR; default: $XDG_DATA_HOME/qactl or ~/.local/share/qactl).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl tail-txid" keys-dir' -l 'keys-dir' -d 'Where the signing keys live, when not in the data dir\'s keys/ (env: QACTL_KEYS_DIR): one directory several instances share.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl tail-txid" version' -l 'version' -d 'Show the version.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl tail-txid" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl inspect" server' -l 'server' -d 'The server (env: QACTL_SERVER).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl inspect" secret' -l 'secret' -d 'The server\'s sync secret (env: QACTL_SYNC_SECRET).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl inspect" json' -l 'json' -d 'Print the API\'s JSON object on one line instead of a table.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl inspect" version' -l 'version' -d 'Show the version.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl inspect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl slots" version' -l 'version' -d 'Show the version.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl slots" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_positional "qactl slots" -eq 1' -fa 'list' -d 'Show each qactl slot: in use or not, and how much WAL the server keeps for it.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_positional "qactl slots" -eq 1' -fa 'drop' -d 'Drop the slot of a qactl instance that is gone for good (refused while an instance uses it).'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl slots list" database-url' -l 'database-url' -d 'The PostgreSQL database the instances share (env: QACTL_DATABASE_URL).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl slots list" data-dir' -l 'data-dir' -d 'Where keys and the embedded database live (env: QACTL_DATA_DIR; default: $XDG_DATA_HOME/qactl or ~/.local/share/qactl).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl slots list" keys-dir' -l 'keys-dir' -d 'Where the signing keys live, when not in the data dir\'s keys/ (env: QACTL_KEYS_DIR): one directory several instances share.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl slots list" json' -l 'json' -d 'One JSON object per slot.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl slots list" version' -l 'version' -d 'Show the version.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl slots list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl slots drop" database-url' -l 'database-url' -d 'The PostgreSQL database the instances share (env: QACTL_DATABASE_URL).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl slots drop" data-dir' -l 'data-dir' -d 'Where keys and the embedded database live (env: QACTL_DATA_DIR; default: $XDG_DATA_HOME/qactl or ~/.local/share/qactl).' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl slots drop" keys-dir' -l 'keys-dir' -d 'Where the signing keys live, when not in the data dir\'s keys/ (env: QACTL_KEYS_DIR): one directory several instances share.' -rfka ''
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl slots drop" version' -l 'version' -d 'Show the version.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl slots drop" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_positional "qactl bench" -ge 1' -fka 'write-to-poll send-to-visible sustained fanout idle-memory soak data-dir routing initial-sync pg-send-to-visible pg-sustained pg-decode client-snapshot live-query answers on-demand sse'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl bench" quick' -l 'quick' -d 'Smaller sizes, for a quick smoke run (targets apply to the full sizes).'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl bench" json' -l 'json' -d 'Print one JSON object per scenario.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl bench" version' -l 'version' -d 'Show the version.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl bench" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'qactl' -n '__qactl_should_offer_completions_for_flags_or_options "qactl help" version' -l 'version' -d 'Show the version.'
