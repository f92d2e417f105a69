import ArgumentParser
import Foundation
import LocalSetup
import Logging
import NIOCore
import PostgresStore
import Server

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the service: API, shape-token gatekeeper and sync service, on an embedded SQLite store or PostgreSQL.",
        discussion: """
            With no options it stores everything in the data dir (a SQLite file and the \
            signing keys, created on first run) and listens on 127.0.0.1:8787. It shuts \
            down cleanly on SIGINT and SIGTERM: live polls are answered and nothing is \
            left half-written.
            """
    )

    @Option(help: ArgumentHelp("Address to listen on; port 0 picks a free one (env: QACTL_LISTEN).", valueName: "host:port"))
    var listen: String?

    @Option(
        name: .customLong("sync-secret"),
        help: ArgumentHelp("Secret that callers of /v1/shape must send as ?secret= (env: QACTL_SYNC_SECRET; default: none, /v1/shape refuses every caller).", valueName: "secret"))
    var syncSecret: String?

    @Option(name: .customLong("log-level"), help: ArgumentHelp("trace, debug, info, notice, warning, error or critical (env: QACTL_LOG_LEVEL).", valueName: "level"))
    var logLevel: String?

    @Option(name: .customLong("log-format"), help: ArgumentHelp("text, or json for one JSON object per line (env: QACTL_LOG_FORMAT).", valueName: "format"))
    var logFormat: String?

    @Option(name: .customLong("database-url"), help: ArgumentHelp("sqlite://PATH for the embedded store, or postgres://user@host:5432/db for PostgreSQL with logical replication (env: QACTL_DATABASE_URL; default: sqlite://<data-dir>/qactl.sqlite).", valueName: "url"))
    var databaseURL: String?

    @Option(name: .customLong("electric-url"), help: ArgumentHelp("A real Electric to put behind the gatekeeper instead of the embedded sync service (env: ELECTRIC_URL).", valueName: "url"))
    var electricURL: String?

    @Option(name: .customLong("electric-secret"), help: ArgumentHelp("The secret the gatekeeper sends to Electric (env: ELECTRIC_SECRET).", valueName: "secret"))
    var electricSecret: String?

    @Option(name: .customLong("shape-token-ttl"), help: ArgumentHelp("Lifetime of the shape tokens /shapes/auth-token issues.", valueName: "duration"))
    var shapeTokenTTL = DurationArgument(.seconds(300))

    @Option(help: ArgumentHelp("builtin (passages of --knowledge), openai (an OpenAI-compatible server), command, or none (answers stay pending for an outside worker to write) (env: QACTL_ANSWERER).", valueName: "kind"))
    var answerer: String?

    @Option(help: ArgumentHelp("Folder of Markdown and text files the builtin answerer answers from (env: QACTL_KNOWLEDGE; default: qactl's own documentation).", valueName: "dir"))
    var knowledge: String?

    @Option(name: .customLong("llm-url"), help: ArgumentHelp("Base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8080/v1 (env: QACTL_LLM_URL; key from OPENAI_API_KEY).", valueName: "url"))
    var llmURL: String?

    @Option(name: .customLong("llm-model"), help: ArgumentHelp("Model name for the openai answerer (env: QACTL_LLM_MODEL).", valueName: "name"))
    var llmModel: String?

    @Option(name: .customLong("answer-command"), help: ArgumentHelp("Command for the command answerer: gets the question on stdin, its stdout is the answer (env: QACTL_ANSWER_COMMAND).", valueName: "command"))
    var answerCommand: String?

    @Option(name: .customLong("answer-concurrency"), help: ArgumentHelp("How many answers are generated at once.", valueName: "n"))
    var answerConcurrency = 4

    @Option(name: .customLong("answer-timeout"), help: ArgumentHelp("Longest an openai or command answer may take.", valueName: "duration"))
    var answerTimeout = DurationArgument(.seconds(120))

    @Option(name: .customLong("long-poll-timeout"), help: ArgumentHelp("How long a live /v1/shape request waits for changes.", valueName: "duration"))
    var longPollTimeout = DurationArgument(.seconds(20))

    @Option(name: .customLong("shape-chunk-bytes"), help: ArgumentHelp("Snapshot and log responses close at about this many bytes.", valueName: "bytes"))
    var shapeChunkBytes = 10 << 20

    @Option(name: .customLong("max-connections"), help: ArgumentHelp("Client connections open at once, at most (lowered to what the file descriptor limit leaves room for). A request on a connection over it is answered 503 with retry-after.", valueName: "n"))
    var maxConnections = 4096

    @Option(name: .customLong("idle-timeout"), help: ArgumentHelp("How long a connection may sit without a complete request (between requests, or part-way through one) before it is closed. A request whose body has not arrived by then is answered 408 first.", valueName: "duration"))
    var idleTimeout = DurationArgument(.seconds(30))

    @Option(name: .customLong("max-snapshot-requests"), help: ArgumentHelp("Shape requests that create a shape or read its snapshot, at once; more are refused with 503 and retry-after.", valueName: "n"))
    var maxSnapshotRequests = ServerConfiguration.syncDefaults.maxSnapshotRequests

    @Option(name: .customLong("max-live-requests"), help: ArgumentHelp("Live shape requests (parked long-polls) at once; more are refused with 503 and retry-after.", valueName: "n"))
    var maxLiveRequests = ServerConfiguration.syncDefaults.maxLiveRequests

    @Option(name: .customLong("shape-ttl"), help: ArgumentHelp("A shape nobody reads for this long is dropped (its clients refetch); the change log is compacted behind the remaining shapes.", valueName: "duration"))
    var shapeTTL = DurationArgument(ServerConfiguration.syncDefaults.shapeTTL)

    @Option(name: .customLong("max-shapes"), help: ArgumentHelp("Shapes kept at most; beyond it the least recently read are dropped (their clients refetch).", valueName: "n"))
    var maxShapes = ServerConfiguration.syncDefaults.maxShapes

    @Option(name: .customLong("open-as"), help: ArgumentHelp("Print a sign-in link to the web console for this user (an auth token in the link's fragment, which the browser never sends to the server).", valueName: "user"))
    var openAs: String?

    @Option(name: .customLong("answer-lease"), help: ArgumentHelp("With several instances on one PostgreSQL: how long an instance's claim on an answer lasts without progress; then another instance takes the answer over.", valueName: "duration"))
    var answerLease = DurationArgument(.seconds(30))

    @Option(name: .customLong("sse-timeout"), help: ArgumentHelp("How long a live /v1/shape request in SSE mode (live_sse=true) streams before the server closes it; the client reconnects.", valueName: "duration"))
    var sseTimeout = DurationArgument(ServerConfiguration.syncDefaults.sseTimeout)

    @Flag(name: .customLong("allow-shape-deletion"), help: "Let callers with the sync secret drop a shape with DELETE /v1/shape (its clients refetch).")
    var allowShapeDeletion = false

    @Flag(name: .customLong("new-database"), help: "Start with a new, empty database when the data dir's database (or, on PostgreSQL, its replication log) is missing or empty; clients then refetch everything.")
    var newDatabase = false

    @OptionGroup var data: DataDirectoryOptions

    func validate() throws {
        // An empty secret would be matched by `secret=` (a script's unset variable): every row to anyone.
        if let syncSecret, syncSecret.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("--sync-secret must not be empty or blank (leave it out and /v1/shape refuses every outside caller)")
        }
        guard sseTimeout.duration >= .seconds(1) else { throw ValidationError("--sse-timeout must be at least 1s") }
        guard answerLease.duration >= .seconds(1) else { throw ValidationError("--answer-lease must be at least 1s") }
        guard shapeChunkBytes >= 1 else { throw ValidationError("--shape-chunk-bytes must be at least 1") }
        guard (1...256).contains(answerConcurrency) else { throw ValidationError("--answer-concurrency must be 1 to 256") }
        if openAs?.isEmpty == true { throw ValidationError("--open-as needs a user name (it must not be empty)") }
        if let openAs, openAs.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw ValidationError("--open-as needs a user name without control characters")
        }
        guard maxSnapshotRequests >= 1, maxLiveRequests >= 1, maxShapes >= 1 else {
            throw ValidationError("--max-snapshot-requests, --max-live-requests and --max-shapes must be at least 1")
        }
    }

    /// The answerer from the options and the environment; a usage error names what is missing.
    func answererConfiguration() throws -> AnswererConfiguration {
        switch (Setting.value(answerer, "QACTL_ANSWERER") ?? "builtin").lowercased() {
        case "builtin":
            return .builtin(knowledgeDirectory: Setting.value(knowledge, "QACTL_KNOWLEDGE"))
        case "openai":
            guard let url = Setting.value(llmURL, "QACTL_LLM_URL") else {
                throw fail("--answerer openai needs --llm-url (e.g. http://127.0.0.1:8080/v1)", exit: ExitStatus.usage)
            }
            guard let model = Setting.value(llmModel, "QACTL_LLM_MODEL") else {
                throw fail("--answerer openai needs --llm-model", exit: ExitStatus.usage)
            }
            return .openai(baseURL: url, model: model, apiKey: Setting.value(nil, "OPENAI_API_KEY"))
        case "command":
            guard let command = Setting.value(answerCommand, "QACTL_ANSWER_COMMAND") else {
                throw fail("--answerer command needs --answer-command", exit: ExitStatus.usage)
            }
            return .command(command)
        case "none":
            return .none
        case let other:
            throw fail("--answerer \(other): expected builtin, openai, command or none", exit: ExitStatus.usage)
        }
    }

    func run() async throws {
        let listenText = Setting.value(listen, "QACTL_LISTEN") ?? "127.0.0.1:8787"
        guard let colon = listenText.lastIndex(of: ":"), let port = Int(listenText[listenText.index(after: colon)...]), (0...65535).contains(port) else {
            throw fail("--listen \(listenText): expected host:port, e.g. 127.0.0.1:8787", exit: ExitStatus.usage)
        }
        let host = String(listenText[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let levelText = Setting.value(logLevel, "QACTL_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw fail("--log-level \(levelText): expected trace, debug, info, notice, warning, error or critical", exit: ExitStatus.usage)
        }
        let secret = Setting.value(syncSecret, "QACTL_SYNC_SECRET")
        let format = (Setting.value(logFormat, "QACTL_LOG_FORMAT") ?? "text").lowercased()
        guard format == "text" || format == "json" else {
            throw fail("--log-format \(format): expected text or json", exit: ExitStatus.usage)
        }
        let electric = Setting.value(electricURL, "ELECTRIC_URL")
        if let electric, URL(string: electric)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            throw fail("--electric-url \(electric): expected an http:// or https:// URL", exit: ExitStatus.usage)
        }
        let answererSetting = try answererConfiguration()
        var databasePath: String?
        var postgresURL: String?
        if let database = Setting.value(databaseURL, "QACTL_DATABASE_URL") {
            if database.hasPrefix("sqlite://") {
                databasePath = String(database.dropFirst("sqlite://".count))
            } else if database.hasPrefix("postgres://") || database.hasPrefix("postgresql://") {
                postgresURL = database
            } else {
                throw fail("--database-url: expected sqlite://PATH or postgres://user@host:5432/database", exit: ExitStatus.usage)
            }
        }
        let electricKey = Setting.value(electricSecret, "ELECTRIC_SECRET")
        LoggingSystem.bootstrap { label in
            if format == "json" { return JSONLogHandler(label: label, level: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }

        var settings = ServerConfiguration(host: host, port: port, dataDirectory: data.resolved, databasePath: databasePath, syncSecret: secret,
            longPollTimeout: longPollTimeout.duration, chunkBytes: shapeChunkBytes, logLevel: level,
            shapeTokenLifetime: shapeTokenTTL.duration, electricURL: electric, electricSecret: electricKey,
            postgresURL: postgresURL, answerer: answererSetting, answerConcurrency: answerConcurrency, answerTimeout: answerTimeout.duration)
        settings.newDatabase = newDatabase
        guard maxConnections > 0 else { throw fail("--max-connections must be at least 1", exit: ExitStatus.usage) }
        settings.maxConnections = maxConnections
        settings.idleTimeout = idleTimeout.duration
        settings.maxSnapshotRequests = maxSnapshotRequests
        settings.maxLiveRequests = maxLiveRequests
        settings.shapeTTL = shapeTTL.duration
        settings.maxShapes = maxShapes
        settings.sseTimeout = sseTimeout.duration
        settings.answerLease = answerLease.duration
        settings.keysDirectory = data.directory.keysDirectory
        settings.allowsShapeDeletion = allowShapeDeletion
        let configuration = settings
        do {
            let server = try await QACtlServer.open(configuration)
            try await server.run { host, port in
                let base = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
                emit("qactl serve: listening on \(base)")
                if let postgresURL = configuration.postgresURL, let url = try? PostgresURL(postgresURL) {
                    emit("  database  \(url.redacted) (PostgreSQL, logical replication)")
                } else {
                    emit("  database  \(configuration.databasePath) (embedded SQLite)")
                }
                emit("  health    curl \(base)/healthz")
                if let electric {
                    emit("  shapes    \(base)/shape (gatekeeper) → Electric at \(electric)")
                } else {
                    emit("  shapes    \(base)/shape (gatekeeper, shape token) → embedded sync service")
                    emit(secret == nil
                        ? "  sync      \(base)/v1/shape refuses outside callers (no --sync-secret)"
                        : "  sync      \(base)/v1/shape?secret=… (for a second gatekeeper or a trusted reader)")
                }
                switch answererSetting {
                case .builtin(let directory): emit("  answers   builtin, from \(directory ?? "qactl's own documentation")")
                case .openai(let url, let model, _): emit("  answers   openai, \(model) at \(url)")
                case .command(let command): emit("  answers   command: \(command)")
                case .none: emit("  answers   none (answers stay pending for an outside worker)")
                }
                if let link = await signInLink(base: base, server: server) {
                    emit("  console   \(link)")
                } else {
                    emit("  console   \(base)/ (sign in with an auth token; --open-as NAME prints a sign-in link)")
                }
                // The chat mints its auth token with the same key: it must look where this server keeps it.
                let keys = data.directory.keysDirectory.map { " --keys-dir \($0)" } ?? ""
                emit("  connect   qactl chat --user NAME --server \(base) --data-dir \(configuration.dataDirectory)\(keys)")
            }
        } catch let error as IOError where error.errnoCode == EADDRINUSE || error.errnoCode == EACCES || error.errnoCode == EADDRNOTAVAIL {
            throw fail("serve: cannot listen on \(listenText): \(Self.listenProblem(error.errnoCode))")
        } catch {
            throw fail("serve: \(error)")
        }
    }

    /// Why binding failed, and what to do about it.
    static func listenProblem(_ code: Int32) -> String {
        switch code {
        case EADDRINUSE: "the address is in use (another qactl serve, or another program, listens there); choose another with --listen HOST:PORT (port 0 picks a free one)"
        case EACCES: "permission denied (ports below 1024 need privileges); choose another with --listen HOST:PORT"
        default: "this machine has no such address; choose one of its own with --listen HOST:PORT (127.0.0.1, 0.0.0.0)"
        }
    }

    /// The console's address with an auth token for `--open-as` in its fragment
    /// (`#token=…`): browsers never send a fragment, so the token stays out of
    /// the server's logs and of any proxy's.
    private func signInLink(base: String, server: QACtlServer) async -> String? {
        guard let openAs else { return nil }
        guard let minted = try? await server.keys.current.mintAuth(subject: openAs) else {
            emit("  console   cannot mint a token for --open-as \(openAs)")
            return nil
        }
        return "\(base)/#token=\(minted.token)"
    }
}
