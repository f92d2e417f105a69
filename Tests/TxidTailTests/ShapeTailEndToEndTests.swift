import Foundation
import QACtlSync
import Testing

/// `qactl tail-txid` in shape mode, as a real process against a real `qactl serve`.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ShapeTailEndToEndTests {
    private func tail(_ server: TestServer, _ arguments: [String]) throws -> ToolProcess {
        try ToolProcess.qactl(["tail-txid", "--server", server.baseURL, "--data-dir", server.dataDirectory] + arguments)
    }

    @Test func printsOneJSONLinePerTransactionWithTxidCountsAndKeys() async throws {
        let server = try await TestServer.start()
        let api = try server.api("alice")
        _ = try await api.createConversation(id: "c-1", title: "Questions")
        let tail = try tail(server, ["--user", "alice", "--conversation", "c-1", "--json"])
        let ready = jsonObject(try await tail.waitForLine { $0.contains(#""type":"ready""#) })
        #expect(ready["shape"] as? String == "messages(conversationId=c-1)")

        let txid = try await api.sendQuestion(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "What is a shape?")
        let line = jsonObject(try await tail.waitForLine { number(jsonObject($0)["txid"]) == txid })
        #expect(line["type"] as? String == "transaction")
        #expect(line["source"] as? String == "shape")
        #expect((line["txids"] as? [Any])?.compactMap(number) == [txid])
        #expect(number(line["insert"]) == 2)
        #expect(number(line["update"]) == 0)
        #expect(number(line["delete"]) == 0)
        #expect(Set(line["keys"] as? [String] ?? []) == ["q-1", "a-1"])
        #expect(line["tables"] as? [String] == ["messages"])
        #expect((line["offset"] as? String)?.wholeMatch(of: /\d+_\d+/) != nil)
        #expect(line["delayMs"] is NSNull, "the shape wire carries no commit time")

        // The builtin answerer then fills in the answer: updates of a-1 only.
        let update = jsonObject(try await tail.waitForLine { ($0.contains(#""update":1"#) || $0.contains(#""update":2"#)) })
        #expect(update["keys"] as? [String] == ["a-1"])
        #expect((number(update["txid"]) ?? 0) > txid)

        tail.send(SIGINT)
        #expect(try await tail.exitStatus() == 0)
        #expect(!tail.stderr.contains("qactl:"), "no error on a plain SIGINT: \(tail.stderr)")
        #expect(tail.lines.allSatisfy { !jsonObject($0).isEmpty }, "every stdout line is one JSON object")
        await server.stop()
    }

    @Test func textLinesAndSnapshotSummaryFromStart() async throws {
        let server = try await TestServer.start()
        let api = try server.api("alice")
        _ = try await api.createConversation(id: "c-1", title: "One")
        _ = try await api.createConversation(id: "c-2", title: "Two")
        let tail = try tail(server, ["--user", "alice", "--from", "start"])
        let snapshot = try await tail.waitForLine { $0.hasPrefix("snapshot") }
        #expect(snapshot.contains("2 rows"))
        #expect(snapshot.contains("keys c-1, c-2") || snapshot.contains("keys c-2, c-1"))
        try await tail.waitForError("following conversations")

        let created = try await api.createConversation(id: "c-3", title: "Three")
        let line = try await tail.waitForLine { $0.hasPrefix("txid \(created.txid) ") }
        #expect(line.contains("insert 1  update 0  delete 0"))
        #expect(line.hasSuffix("keys c-3"))
        #expect(!line.contains("\u{1B}["), "no colour when stdout is not a terminal")
        #expect(!line.contains("delay"), "no delay without a commit time")

        tail.send(SIGTERM)
        #expect(try await tail.exitStatus() == 0)
        await server.stop()
    }

    @Test func awaitSucceedsForATxidAlreadyInTheSnapshot() async throws {
        let server = try await TestServer.start()
        let created = try await server.api("alice").createConversation(id: "c-1", title: "Old")
        let tail = try tail(server, ["--user", "alice", "--await", String(created.txid), "--timeout", "10s", "--json"])
        #expect(try await tail.exitStatus() == 0, "\(tail.stderr)")
        let awaited = jsonObject(try await tail.waitForLine { $0.contains(#""type":"awaited""#) })
        #expect(number(awaited["txid"]) == created.txid)
        #expect(awaited["seen"] as? String == "snapshot")
        #expect(!tail.stdout.contains(#""type":"snapshot""#), "--from now does not print the snapshot")

        // Now the shape exists and its log holds a later write: found there, still not printed.
        let later = try await server.api("alice").createConversation(id: "c-2", title: "Later")
        let again = try self.tail(server, ["--user", "alice", "--await", String(later.txid), "--json"])
        #expect(try await again.exitStatus() == 0, "\(again.stderr)")
        #expect(again.lines.last == #"{"type":"awaited","txid":\#(later.txid),"seen":"change"}"#)
        #expect(!again.stdout.contains(#""type":"transaction""#), "history is printed only with --from start")
        await server.stop()
    }

    @Test func awaitSucceedsWhenTheTxidArrives() async throws {
        let server = try await TestServer.start()
        let api = try server.api("alice")
        let created = try await api.createConversation(id: "c-1", title: "Questions")
        // The embedded store numbers transactions one by one: with nothing else
        // writing, the next write is created.txid + 1.
        let next = created.txid + 1
        let tail = try tail(server, ["--user", "alice", "--conversation", "c-1", "--await", String(next), "--timeout", "20s"])
        try await tail.waitForError("following messages(conversationId=c-1)")
        #expect(tail.process.isRunning, "txid \(next) is not there yet")

        let txid = try await api.sendQuestion(conversationId: "c-1", questionId: "q-1", answerId: "a-1", content: "Why?")
        try #require(txid == next)
        #expect(try await tail.exitStatus() == 0, "\(tail.stderr)")
        #expect(tail.lines.contains { $0.hasPrefix("txid \(txid) ") && $0.contains("insert 2") })
        #expect(tail.lines.last == "awaited txid \(txid): seen in a change")
        await server.stop()
    }

    @Test func awaitTimesOutWithExitFour() async throws {
        let server = try await TestServer.start()
        let started = ContinuousClock.now
        let tail = try tail(server, ["--user", "alice", "--await", "999999", "--timeout", "1s"])
        #expect(try await tail.exitStatus() == 4)
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(tail.stderr.contains("qactl: tail-txid: timed_out: txid 999999 not seen within 1s"), "\(tail.stderr)")
        await server.stop()
    }

    @Test func aSignalBeforeTheAwaitedTxidExitsOne() async throws {
        let server = try await TestServer.start()
        let tail = try tail(server, ["--user", "alice", "--await", "999999", "--timeout", "60s"])
        try await tail.waitForError("following conversations")
        tail.send(SIGINT)
        #expect(try await tail.exitStatus() == 1)
        #expect(tail.stderr.contains("interrupted: SIGINT stopped the tail before txid 999999 was seen"), "\(tail.stderr)")
        await server.stop()
    }

    @Test func refusedCredentialsExitThree() async throws {
        let server = try await TestServer.start()
        _ = try await server.api("alice").createConversation(id: "c-1", title: "Private")

        // Not a JWT at all: a usage error found before anything is sent (as in `qactl chat`).
        let garbage = try tail(server, ["--token", "not-a-jwt"])
        #expect(try await garbage.exitStatus() == 2)
        #expect(garbage.stderr.contains("--token: not a JWT"), "\(garbage.stderr)")

        // A JWT the server did not sign: refused by the server.
        let badToken = try tail(server, ["--token", forgedToken])
        #expect(try await badToken.exitStatus() == 3)
        #expect(badToken.stderr.contains("auth_refused"), "\(badToken.stderr)")

        let otherUser = try tail(server, ["--user", "bob", "--conversation", "c-1"])
        #expect(try await otherUser.exitStatus() == 3)
        #expect(otherUser.stderr.contains("refused access"), "\(otherUser.stderr)")
        await server.stop()
    }

    @Test func missingKeysAndUnreachableServerExitOne() async throws {
        let empty = TemporaryDirectory()
        let noKeys = try ToolProcess.qactl(["tail-txid", "--user", "alice", "--data-dir", empty.path, "--server", "http://127.0.0.1:9"])
        #expect(try await noKeys.exitStatus() == 1)
        #expect(noKeys.stderr.contains("keys_unavailable"), "\(noKeys.stderr)")

        let unreachable = try ToolProcess.qactl(["tail-txid", "--token", forgedToken, "--server", "http://127.0.0.1:9"])
        #expect(try await unreachable.exitStatus() == 1)
        #expect(unreachable.stderr.contains("cannot reach http://127.0.0.1:9"), "\(unreachable.stderr)")
    }
}

/// A well-formed auth token for alice that no server signed.
private let forgedToken: String = {
    func part(_ json: String) -> String {
        Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
    return part(#"{"alg":"HS256","kid":"auth-forged","typ":"JWT"}"#) + "." + part(#"{"sub":"alice","aud":"qactl:api","exp":4102444800}"#) + ".c2lnbmF0dXJl"
}()
