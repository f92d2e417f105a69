import Testing
import TxidTail

/// Checking the command line's values: modes, conflicts, environment, colour.
struct TailOptionsTests {
    /// Well-formed (tail-txid checks that before sending), signed by nobody.
    static let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln"
    static let environmentJWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlbnYtdXNlciJ9.c2ln"

    private func options(_ edit: (inout TailArguments) -> Void, environment: [String: String] = [:], terminal: Bool = false) throws(TailError) -> TailOptions {
        var arguments = TailArguments(dataDirectory: "/data")
        edit(&arguments)
        return try TailOptions(arguments, environment: environment, stdoutIsTerminal: terminal)
    }

    private func usageError(_ edit: (inout TailArguments) -> Void, environment: [String: String] = [:]) -> String? {
        do {
            _ = try options(edit, environment: environment)
            return nil
        } catch {
            return error.code == .usage && error.exitStatus.rawValue == 2 ? error.message : "not a usage error: \(error)"
        }
    }

    @Test func defaultsFollowTheUsersConversationsFromNow() throws {
        let parsed = try options { $0.user = "alice" }
        #expect(parsed.source == .shape(ShapeSource(server: "http://127.0.0.1:8787", credentials: .user("alice", dataDirectory: "/data"), target: .conversations)))
        #expect(parsed.from == .now)
        #expect(parsed.awaitTxid == nil)
        #expect(parsed.timeout == .seconds(5))
        #expect(parsed.format == .text(color: false))
    }

    @Test func conversationSelectsItsMessagesShape() throws {
        let parsed = try options {
            $0.token = Self.jwt
            $0.conversation = "c-1"
            $0.server = "http://example.test:9000/"
        }
        guard case .shape(let source) = parsed.source else { Issue.record("not shape mode"); return }
        #expect(source.server == "http://example.test:9000")
        #expect(source.credentials == .token(Self.jwt))
        #expect(source.tokenRequest.description == "messages(conversationId=c-1)")
    }

    @Test func environmentFillsInAndOptionsWin() throws {
        let environment = ["QACTL_SERVER": "http://env.test", "QACTL_USER": "env-user", "QACTL_TOKEN": Self.environmentJWT]
        let fromEnvironment = try options({ _ in }, environment: environment)
        #expect(fromEnvironment.source == .shape(ShapeSource(server: "http://env.test", credentials: .token(Self.environmentJWT), target: .conversations)))
        let fromOptions = try options({ $0.user = "alice"; $0.server = "http://flag.test" }, environment: environment)
        #expect(fromOptions.source == .shape(ShapeSource(server: "http://flag.test", credentials: .user("alice", dataDirectory: "/data"), target: .conversations)))
    }

    @Test func colourOnlyOnATerminalWithoutNoColor() throws {
        #expect(try options({ $0.user = "a" }, terminal: true).format == .text(color: true))
        #expect(try options({ $0.user = "a" }, environment: ["NO_COLOR": "1"], terminal: true).format == .text(color: false))
        #expect(try options({ $0.user = "a"; $0.json = true }, terminal: true).format == .json)
    }

    @Test func databaseURLSelectsPostgresMode() throws {
        let parsed = try options {
            $0.databaseURL = "postgres://app@db/app"
            $0.awaitTxid = 7
            $0.timeout = .seconds(30)
        }
        #expect(parsed.source == .postgres(url: "postgres://app@db/app"))
        #expect(parsed.awaitTxid == 7)
        #expect(parsed.timeout == .seconds(30))
    }

    @Test func contradictionsAreUsageErrors() {
        #expect(usageError { _ in }?.contains("--user NAME") == true)
        #expect(usageError { $0.user = "a"; $0.token = "t" }?.contains("not both") == true)
        #expect(usageError { $0.user = "" }?.contains("--user") == true)
        #expect(usageError { $0.user = "a"; $0.from = "yesterday" } == "--from yesterday: expected now or start")
        #expect(usageError { $0.user = "a"; $0.timeout = .seconds(1) }?.contains("only with --await") == true)
        #expect(usageError { $0.user = "a"; $0.table = "messages" }?.contains("needs --conversation") == true)
        #expect(usageError { $0.user = "a"; $0.table = "answers" }?.contains("expected conversations") == true)
        #expect(usageError { $0.user = "a"; $0.conversation = "c"; $0.table = "conversations" } != nil)
        #expect(usageError { $0.user = "a"; $0.server = "ftp://x" }?.contains("--server") == true)
        #expect(usageError { $0.databaseURL = "mysql://x" }?.contains("postgres://") == true)
        #expect(usageError { $0.databaseURL = "postgres://x/db"; $0.conversation = "c"; $0.user = "a" }?.contains("--user, --conversation") == true)
        #expect(usageError { $0.databaseURL = "postgres://x/db"; $0.from = "start" }?.contains("--from start") == true)
    }

    @Test func postgresModeIgnoresShapeEnvironment() throws {
        let parsed = try options({ $0.databaseURL = "postgresql://x/db" }, environment: ["QACTL_USER": "alice", "QACTL_SERVER": "http://s"])
        #expect(parsed.source == .postgres(url: "postgresql://x/db"))
    }
}
