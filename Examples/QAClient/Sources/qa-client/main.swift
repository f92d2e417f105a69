// qa-client: asks qactl one question and prints the answer as it syncs back.
//
//   qa-client --server http://127.0.0.1:8787 --token "$(qactl token mint auth --sub alice)" \
//       [--conversation ID] [--replicas DIR] "How do I mint a shape token?"
//   qa-client --version
//
// Exit status: 0 answered, 1 the answer failed, 3 the token was refused, 4 timed out, 2 usage.
import Foundation
import Observation
import QACtlSync

struct Options {
    var server = "http://127.0.0.1:8787"
    var token = ""
    var conversation: String?
    var replicas = NSTemporaryDirectory() + "qa-client-replicas"
    var question = ""

    init(_ arguments: [String]) throws {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--server": server = try value(for: argument, &rest)
            case "--token": token = try value(for: argument, &rest)
            case "--conversation": conversation = try value(for: argument, &rest)
            case "--replicas": replicas = try value(for: argument, &rest)
            case "--version": throw ShowVersion()
            default: question = argument
            }
        }
        if token.isEmpty || question.isEmpty { throw Usage() }
    }
}

struct Usage: Error {}
struct ShowVersion: Error {}

func value(for option: String, _ rest: inout ArraySlice<String>) throws -> String {
    guard let value = rest.popFirst() else { throw Usage() }
    return value
}

/// One line on standard output, unbuffered: a pipe reader sees each step as it happens.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Who the auth token says is signed in (its `sub`): whose replica to open. Not verified; the server does that.
func subject(of token: String) -> String {
    let parts = token.split(separator: ".")
    guard parts.count == 3 else { return "unknown" }
    var payload = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    payload += String(repeating: "=", count: (4 - payload.count % 4) % 4)
    let claims = Data(base64Encoded: payload).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    return claims?["sub"] as? String ?? "unknown"
}

/// Postgres-style text the live query can order by; the server's own `created_at` replaces it on sync.
func timestamp(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: date)
}

/// Waits until the observed thread shows the answer finished, printing each change a
/// view would redraw. Observation tells us when to look again, as it tells SwiftUI.
@MainActor
func awaitAnswer(_ answerID: String, in thread: ObservedQuery) async -> Row? {
    var seen = ""
    while true {
        let changed = AsyncStream<Void> { continuation in
            withObservationTracking { _ = thread.rows } onChange: { continuation.yield() }
        }
        if let answer = thread.rows.first(where: { $0["id"] == answerID }) {
            let status = answer["status"] ?? ""
            if status != seen {
                seen = status
                say("answer \(status)")
            }
            if status == "completed" || status == "failed" { return answer }
        }
        for await _ in changed { break }
    }
}

@MainActor
func run(_ options: Options) async throws -> Int32 {
    let api = APIClient(baseURL: options.server, authToken: options.token)
    // The token provider: shape tokens from the server, cached and refreshed per shape.
    let tokens = ShapeTokenProvider(api: api)

    let conversationID: String
    if let existing = options.conversation {
        conversationID = existing
    } else {
        conversationID = try await api.createConversation(title: String(options.question.prefix(60))).conversation["id"] ?? ""
    }
    say("conversation \(conversationID)")

    // A collection of the conversation's messages, kept in a local replica between runs.
    let replica = try LocalReplica.open(
        directory: options.replicas,
        identity: ReplicaIdentity(server: options.server, user: subject(of: options.token), shape: "messages/\(conversationID)"))
    let messages = SyncCollection(
        id: "messages:\(conversationID)",
        shape: .gatekeeper(baseURL: options.server, table: "messages", params: ["conversationId": conversationID], tokens: tokens),
        replica: replica)
    say("replica \(await messages.loadReplica()) rows")

    // A live query, observed: the thread in order, as a SwiftUI list would show it.
    let thread = ObservedQuery(messages.liveQuery(orderBy: [.ascending("created_at", as: .timestamp)]))
    await messages.start()

    // An optimistic transaction: shown at once, kept once its txid syncs back.
    let questionID = UUID().uuidString.lowercased()
    let answerID = UUID().uuidString.lowercased()
    let send = messages.transaction(timeout: .seconds(10)) { _ in
        try await api.sendQuestion(conversationId: conversationID, questionId: questionID, answerId: answerID, content: options.question)
    }
    let now = Date()
    try await send.mutate { draft in
        try draft.insert(["id": questionID, "role": "user", "status": "completed", "content": options.question, "created_at": timestamp(now)])
        try draft.insert(["id": answerID, "role": "assistant", "status": "pending", "content": "", "created_at": timestamp(now + 0.001)])
    }
    say("optimistic \(await messages.rows.count) rows")
    let started = ContinuousClock.now
    try await send.commit()  // runs sendQuestion, then awaitTxId on the txid it returned
    let elapsed = ContinuousClock.now - started
    say("confirmed in \(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000) ms")

    let answer = try await withThrowingTaskGroup(of: Row?.self) { group in
        group.addTask { await awaitAnswer(answerID, in: thread) }
        group.addTask {
            try await Task.sleep(for: .seconds(60))
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        return first
    }
    await messages.stop()
    guard let answer else {
        say("timed out waiting for the answer")
        return 4
    }
    say(answer["content"] ?? "")
    return answer["status"] == "completed" ? 0 : 1
}

let status: Int32
do {
    status = try await run(try Options(Array(CommandLine.arguments.dropFirst())))
} catch is ShowVersion {
    say(ReleaseVersion.current)  // the library's version: the same as `qactl --version`
    status = 0
} catch is Usage {
    FileHandle.standardError.write(Data("usage: qa-client --server URL --token TOKEN [--conversation ID] [--replicas DIR] QUESTION\n".utf8))
    status = 2
} catch let error as APIError {
    // Typed errors: switch on what went wrong, not on message text.
    switch error.kind {
    case .unauthorized, .forbidden:
        FileHandle.standardError.write(Data("qa-client: refused: \(error.message)\n".utf8))
        status = 3
    default:
        FileHandle.standardError.write(Data("qa-client: \(error)\n".utf8))
        status = 1
    }
} catch let error as TxIdTimeoutError {
    FileHandle.standardError.write(Data("qa-client: \(error.message)\n".utf8))
    status = 4
} catch {
    FileHandle.standardError.write(Data("qa-client: \(error)\n".utf8))
    status = 1
}
exit(status)
