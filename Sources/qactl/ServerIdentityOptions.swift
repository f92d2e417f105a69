import LocalSetup
import ArgumentParser

/// `--server`, `--user` and `--token`: which qactl server a client command talks
/// to, and as whom. Shared by `chat` and `tail-txid`.
struct ServerIdentityOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The qactl server's base URL (env: QACTL_SERVER; default: http://127.0.0.1:8787).", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("Mint an auth token for this user with the data dir's signing key (env: QACTL_USER).", valueName: "name"))
    var user: String?

    @Option(help: ArgumentHelp("An auth token to use instead of --user (env: QACTL_TOKEN).", valueName: "jwt"))
    var token: String?
}
