import LocalSetup
import ArgumentParser
import Foundation
import TxidTail

struct TailTxidCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail-txid",
        abstract: "Print one line per transaction as it arrives: txid, offset, operation counts, keys.",
        discussion: """
            Shape mode (the default) follows a shape through the gatekeeper of a running \
            qactl serve: the user's conversations, or with --conversation one conversation's \
            messages. The wire carries no commit time, so shape lines have no delay \
            (null in --json).

            With --database-url it reads PostgreSQL's logical replication stream instead, \
            through a temporary slot and a temporary publication (qactl_tail_<time>_<random>) \
            that are gone when it exits, also on SIGINT, SIGTERM and errors; a publication left \
            by a tail that was killed is dropped by the next one. Lines then show the 32-bit \
            xid, the commit LSN (decimal and X/Y), the tables, the primary keys and the delay \
            since the commit.

            --await TXID exits 0 once that transaction is seen, or is already visible (in the \
            shape's snapshot, or committed before the slot existed), and 4 when --timeout \
            passes first. SIGINT or SIGTERM ends a plain tail with 0, an unfinished --await \
            with 1. Exit codes: 1 failure, 2 usage, 3 refused, 4 timed out.
            """
    )

    @OptionGroup var identity: ServerIdentityOptions

    @Option(help: ArgumentHelp("Follow the messages of this conversation.", valueName: "id"))
    var conversation: String?

    @Option(help: ArgumentHelp("Follow this table's shape: conversations, the user's conversations (the default).", valueName: "table"))
    var table: String?

    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp("Read this PostgreSQL database's replication stream instead of a shape (needs wal_level=logical).", valueName: "postgres://…"))
    var databaseURL: String?

    @Option(
        name: .customLong("await"),
        help: ArgumentHelp("Exit 0 once this txid is seen or already visible; 4 on timeout.", valueName: "txid"))
    var awaitTxid: UInt64?

    @Option(help: ArgumentHelp("How long --await waits (default: 5s).", valueName: "duration"))
    var timeout: DurationArgument?

    @Option(help: ArgumentHelp("now: only transactions from now on (default); start: the shape's snapshot as one line, then every transaction.", valueName: "now|start"))
    var from: String?

    @Flag(help: "One JSON object per line on stdout, each with a type: ready, snapshot, transaction, truncate, awaited.")
    var json = false

    @OptionGroup var data: DataDirectoryOptions

    func run() async throws {
        var arguments = TailArguments(dataDirectory: data.resolved)
        arguments.server = identity.server
        arguments.user = identity.user
        arguments.token = identity.token
        arguments.conversation = conversation
        arguments.table = table
        arguments.databaseURL = databaseURL
        arguments.awaitTxid = awaitTxid
        arguments.timeout = timeout?.duration
        arguments.from = from
        arguments.json = json
        let options: TailOptions
        do {
            options = try TailOptions(arguments, environment: ProcessInfo.processInfo.environment, stdoutIsTerminal: isatty(STDOUT_FILENO) == 1)
        } catch {
            throw fail("tail-txid: \(error.message)", exit: ExitStatus.usage)
        }
        do {
            _ = try await TxidTail.run(options)
        } catch let error as TailError {
            throw fail("tail-txid: \(error.description)", exit: error.exitStatus)
        } catch {
            throw fail("tail-txid: \(error)")
        }
    }
}
