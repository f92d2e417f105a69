import ArgumentParser
import Foundation
import LocalSetup
import Server

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Look inside a running qactl serve: shapes, transactions, clients, request counts.",
        discussion: """
            Reads the inspector's API (/inspect/api/…), which answers only to the server's \
            sync secret (qactl serve --sync-secret) and is closed when the server has none. \
            The same views are live in a browser at /inspect. Views: overview (the default), \
            shapes, shape HANDLE (its rows and recent log entries), transactions (the txid \
            timeline: commit → applied → first delivered), clients, as-user USER (exactly \
            what that user's auth token would sync, shape by shape). Exit codes: 1 failure, \
            2 usage, 3 refused.
            """
    )

    @Argument(help: ArgumentHelp("overview, shapes, shape, transactions, clients or as-user.", valueName: "view"))
    var view = "overview"

    @Argument(help: ArgumentHelp("The shape's handle (shape view), or the user (as-user view).", valueName: "handle-or-user"))
    var argument: String?

    @Option(help: ArgumentHelp("The server (env: QACTL_SERVER).", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("The server's sync secret (env: QACTL_SYNC_SECRET).", valueName: "secret"))
    var secret: String?

    @Flag(help: "Print the API's JSON object on one line instead of a table.")
    var json = false

    func run() async throws {
        guard let chosen = InspectionReport.View(rawValue: view) else {
            throw fail("inspect: unknown view \(view); expected overview, shapes, shape, transactions, clients or as-user", exit: .usage)
        }
        if chosen == .shape && (argument ?? "").isEmpty { throw fail("inspect: the shape view needs a handle (see qactl inspect shapes)", exit: .usage) }
        if chosen == .asUser && (argument ?? "").isEmpty { throw fail("inspect: the as-user view needs a user id", exit: .usage) }
        if let argument, chosen != .shape && chosen != .asUser {
            throw fail("inspect: the \(view) view takes no argument (\(argument)); only shape and as-user do", exit: .usage)
        }
        guard let key = Setting.value(secret, "QACTL_SYNC_SECRET") else {
            throw fail("inspect: needs the server's sync secret (--secret or QACTL_SYNC_SECRET)", exit: .usage)
        }
        let client = InspectionClient(server: Setting.value(server, "QACTL_SERVER") ?? "http://127.0.0.1:8787", secret: key)
        let object: [String: Any]
        do {
            object = try await client.fetch(chosen, argument: argument)
        } catch let failure as InspectionClient.Failure {
            if case .refused = failure { throw fail("inspect: refused: \(failure)", exit: .refused) }
            throw fail("inspect: \(failure)")
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            emit(String(decoding: data, as: UTF8.self))
        } else {
            InspectionReport.lines(chosen, json: object).forEach(emit)
        }
    }
}
