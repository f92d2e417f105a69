import ArgumentParser
import Foundation
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

    var resolved: String {
        if let dataDirectory { return dataDirectory }
        return setting(nil, "QACTL_DATA_DIR") ?? KeyStore.defaultDataDirectory()
    }

    var keyStore: KeyStore { KeyStore(dataDirectory: resolved) }
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

/// An option's value, else the environment variable named beside it in cli.md
/// (an empty variable counts as unset).
func setting(_ option: String?, _ variable: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
    option ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
}
