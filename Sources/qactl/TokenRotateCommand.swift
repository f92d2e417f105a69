import LocalSetup
import ArgumentParser
import Tokens

struct TokenRotateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Add a new signing key; older keys keep verifying.",
        discussion: """
            New tokens are signed with the new key at once; tokens signed with older keys \
            stay valid until they expire, unless --keep drops those keys. Running qactl \
            serve processes (also those sharing a --keys-dir) pick up the new keys within \
            about 2 s, without a restart.
            """
    )

    enum Which: String, ExpressibleByArgument, CaseIterable {
        case auth, shape, all
    }

    @Argument(help: "Which keys to rotate.")
    var which: Which = .all

    @Option(help: ArgumentHelp("Keep only the newest N keys of each rotated kind (default: keep all).", valueName: "n"))
    var keep: Int?

    @OptionGroup var data: DataDirectoryOptions

    func validate() throws {
        if let keep, keep < 1 { throw ValidationError("--keep must be at least 1") }
    }

    func run() async throws {
        let kinds: [TokenKind] = which == .all ? TokenKind.allCases : [which == .auth ? .auth : .shape]
        // Every file read first: a damaged one stops the command before any key changes,
        // so running it again after the repair does not rotate the others twice.
        for kind in kinds {
            do {
                _ = try data.keyStore.load(kind)
            } catch {
                throw fail("\(error.description); no key was rotated")
            }
        }
        for kind in kinds {
            do {
                let set = try data.keyStore.rotate(kind, keep: keep)
                emit("\(kind.rawValue): now signing with \(set.signingKey?.kid ?? "?") (\(set.keys.count == 1 ? "1 key verifies" : "\(set.keys.count) keys verify"))")
            } catch {
                throw fail(error.description)
            }
        }
    }
}
