import ArgumentParser
import Foundation
import LocalSetup
import Tokens

/// `--data-dir`, shared by every command that reads the local keys or database.
struct DataDirectoryOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp(
            "Where keys and the embedded database live (env: QACTL_DATA_DIR; default: $XDG_DATA_HOME/qactl or ~/.local/share/qactl).",
            valueName: "path"
        )
    )
    var dataDirectory: String?

    @Option(
        name: .customLong("keys-dir"),
        help: ArgumentHelp(
            "Where the signing keys live, when not in the data dir's keys/ (env: QACTL_KEYS_DIR): one directory several instances share.",
            valueName: "path"
        )
    )
    var keysDirectory: String?

    func validate() throws {
        // An empty path would mean the current directory, or the root: never what was meant.
        if dataDirectory?.isEmpty == true { throw ValidationError("--data-dir must not be empty (leave it out for the default)") }
        if keysDirectory?.isEmpty == true { throw ValidationError("--keys-dir must not be empty (leave it out for the data dir's keys/)") }
    }

    var directory: DataDirectory {
        // The flag stands for QACTL_KEYS_DIR in this process, so the parts that
        // open the data dir on their own (chat's and tail-txid's token minting) agree.
        if let keysDirectory { setenv("QACTL_KEYS_DIR", keysDirectory, 1) }
        return DataDirectory.resolve(option: dataDirectory, keysOption: keysDirectory)
    }

    var resolved: String { directory.path }

    var keyStore: KeyStore { directory.keyStore }
}

/// A duration option value such as `5m`, `30s`, `250ms`.
struct DurationArgument: ExpressibleByArgument, Sendable {
    let duration: Duration

    init?(argument: String) {
        guard let duration = DurationText.parse(argument), duration > .zero else { return nil }
        self.duration = duration
    }

    init(_ duration: Duration) { self.duration = duration }

    var defaultValueDescription: String { DurationText.format(duration) }
}
