import Testing
@testable import ChatUI
import QACtlTestSupport

struct ChatSettingsTests {
    private func settings(_ configure: (inout ChatOptions) -> Void = { _ in }, environment: [String: String] = [:], terminal: Bool = true)
        throws(ChatError) -> ChatSettings
    {
        var options = ChatOptions(dataDirectory: "/data", environment: environment)
        configure(&options)
        return try ChatSettings(options, terminal: terminal)
    }

    @Test func defaultsFollowTheSpec() throws {
        let defaults = try settings()
        #expect(defaults.server == "http://127.0.0.1:8787")
        #expect(defaults.choice == .mostRecent)
        #expect(defaults.mode == .interactive)
        #expect(defaults.replicaDirectory == "/data/replicas")
        #expect(defaults.timeout == .seconds(120))
        #expect(defaults.colour)
    }

    @Test func theEnvironmentFillsWhatTheCommandLineLeftUnset() throws {
        let env = ["QACTL_SERVER": "http://example.test:9000/", "QACTL_USER": "bob", "QACTL_REPLICA_DIR": "/r", "NO_COLOR": "1"]
        let fromEnvironment = try settings(environment: env)
        #expect(fromEnvironment.server == "http://example.test:9000")
        #expect(fromEnvironment.user == "bob")
        #expect(fromEnvironment.replicaDirectory == "/r")
        #expect(!fromEnvironment.colour)
        let flags = try settings({ $0.server = "http://other.test"; $0.user = "carol" }, environment: env)
        #expect(flags.server == "http://other.test" && flags.user == "carol")
        let token = try settings({ $0.token = "jwt" }, environment: env)
        #expect(token.token == "jwt" && token.user == nil)
        // A --user typed on the command line beats a token in the environment.
        let user = try settings({ $0.user = "dave" }, environment: ["QACTL_TOKEN": "jwt"])
        #expect(user.user == "dave" && user.token == nil)
    }

    @Test func modes() throws {
        #expect(try settings({ $0.ask = " Why? " }).mode == .ask("Why?"))
        #expect(try settings(terminal: false).mode == .plain)
        #expect(try settings({ $0.json = true }).mode == .plain)
        #expect(try settings(terminal: false).colour == false)
    }

    @Test(arguments: [
        ("server", "--server"), ("both", "exclude each other"), ("ask", "--ask needs a question"), ("id", "--conversation"),
        ("title", "--new"),
    ])
    func usageErrorsNameTheOption(_ mistake: String, _ mention: String) {
        do {
            _ = try settings { options in
                switch mistake {
                case "server": options.server = "ftp://nope"
                case "both": (options.conversation, options.newTitle) = ("c-1", "New")
                case "ask": options.ask = "   "
                case "id": options.conversation = "no spaces allowed"
                default: options.newTitle = String(repeating: "x", count: 201)
                }
            }
            Issue.record("no error for \(mistake)")
        } catch {
            #expect(error.kind == .usage && error.exitStatus.rawValue == 2)
            #expect(error.message.contains(mention))
        }
    }
}
