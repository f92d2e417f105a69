import LocalSetup
import Logging
import SyncService

/// Everything `qactl serve` needs to start.
public struct ServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (the listening line says which).
    public var port: Int
    public var dataDirectory: String
    /// The signing keys' directory when it is not the data dir's `keys/`.
    public var keysDirectory: String?
    /// The SQLite database file of the embedded store.
    public var databasePath: String
    /// A `postgres://` URL: PostgreSQL instead of the embedded store.
    public var postgresURL: String?
    /// Guards `/v1/shape`; nil refuses every outside caller.
    public var syncSecret: String?
    public var longPollTimeout: Duration
    public var chunkBytes: Int
    public var logLevel: Logger.Level
    /// Lifetime of the shape tokens `POST /shapes/auth-token` issues.
    public var shapeTokenLifetime: Duration
    /// A real Electric behind the gatekeeper; nil: the embedded sync service.
    public var electricURL: String?
    /// The secret the gatekeeper adds to requests to Electric.
    public var electricSecret: String?
    public var answerer: AnswererConfiguration
    /// How many answers are generated at once.
    public var answerConcurrency: Int
    /// Longest an answer may take (command and openai answerers).
    public var answerTimeout: Duration
    /// Consent to start with a new, empty database (or replication log)
    /// where the data dir's is missing or empty.
    public var newDatabase = false
    /// Client connections open at once, at most (lowered to what the file
    /// descriptor limit leaves room for).
    public var maxConnections = 4096
    /// How long a connection may sit without a complete request (between
    /// requests, in the middle of a request head or body) before it is closed.
    public var idleTimeout: Duration = .seconds(30)
    /// Admission control of the embedded sync service (Electric's initial/existing limits).
    /// The sync service's own defaults, stated once (in `SyncService.Configuration`).
    public static let syncDefaults = SyncService.Configuration()
    public var maxSnapshotRequests = syncDefaults.maxSnapshotRequests
    public var maxLiveRequests = syncDefaults.maxLiveRequests
    /// Shapes not read for this long are dropped; beyond `maxShapes`, the least recently read.
    public var shapeTTL = syncDefaults.shapeTTL
    public var maxShapes = syncDefaults.maxShapes
    /// How long an instance's claim on an answer lasts without a write
    /// renewing it (PostgreSQL shared by several instances): after that,
    /// another instance takes a dead one's answer over.
    public var answerLease: Duration = .seconds(30)
    /// How long an SSE live response streams before it closes.
    public var sseTimeout = syncDefaults.sseTimeout
    /// Whether callers with the sync secret may `DELETE /v1/shape`.
    public var allowsShapeDeletion = syncDefaults.allowsShapeDeletion

    public init(
        host: String = "127.0.0.1", port: Int = 8787, dataDirectory: String, databasePath: String? = nil,
        syncSecret: String? = nil, longPollTimeout: Duration = .seconds(20), chunkBytes: Int = 10 << 20, logLevel: Logger.Level = .info,
        shapeTokenLifetime: Duration = .seconds(300), electricURL: String? = nil, electricSecret: String? = nil,
        postgresURL: String? = nil, answerer: AnswererConfiguration = .builtin(knowledgeDirectory: nil), answerConcurrency: Int = 4, answerTimeout: Duration = .seconds(120)
    ) {
        self.postgresURL = postgresURL
        self.answerer = answerer
        self.answerConcurrency = answerConcurrency
        self.answerTimeout = answerTimeout
        self.shapeTokenLifetime = shapeTokenLifetime
        self.electricURL = electricURL
        self.electricSecret = electricSecret
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.databasePath = databasePath ?? DataDirectory(dataDirectory).embeddedDatabase
        self.syncSecret = syncSecret
        self.longPollTimeout = longPollTimeout
        self.chunkBytes = chunkBytes
        self.logLevel = logLevel
    }
}
