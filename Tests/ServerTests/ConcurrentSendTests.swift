import Foundation
import GRDB
import QACtlTestSupport
import Testing

/// Many users sending at once share SQLite transactions (group commit); each
/// send must still get its own outcome and txid, and what one is refused
/// must never touch another's.
@Suite(.serialized) struct ConcurrentSendTests {
    let dir = TemporaryDirectory()

    struct Sent: Sendable {
        let user: Int
        let round: Int
        let kind: String
        let status: Int
        let txid: Int?
    }

    @Test func concurrentSendsKeepTheirOwnOutcomesAndTxids() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--answerer", "none"])
        let api = ServerAPI(server: server)
        let users = 24, rounds = 12
        var tokens: [String] = []
        for user in 0..<users {
            let token = try await api.authToken("user-\(user)")
            try await api.conversation("c-\(user)", token: token)
            tokens.append(token)
        }
        let all = tokens
        // Each round every user sends a new question, repeats the previous one,
        // writes into a neighbour's conversation (403) and reuses a taken id (409), all at once.
        let sent = try await withThrowingTaskGroup(of: Sent.self) { group in
            for round in 0..<rounds {
                for user in 0..<users {
                    let token = all[user]
                    func send(_ kind: String, _ fields: [String: String]) {
                        let body = String(decoding: try! JSONSerialization.data(withJSONObject: fields), as: UTF8.self)
                        group.addTask {
                            let answer = try await api.post("/questions/send", body, token: token)
                            return Sent(user: user, round: round, kind: kind, status: answer.status, txid: answer.json["txid"] as? Int)
                        }
                    }
                    let question = ["conversationId": "c-\(user)", "questionId": "q-\(user)-\(round)", "answerId": "a-\(user)-\(round)", "content": "Round \(round)?"]
                    send("new", question)
                    send("repeat", question)
                    send("forbidden", ["conversationId": "c-\((user + 1) % users)", "questionId": "x-\(user)-\(round)", "answerId": "y-\(user)-\(round)", "content": "Not mine"])
                    if round > 0 {
                        send("taken", ["conversationId": "c-\(user)", "questionId": "z-\(user)-\(round)", "answerId": "a-\(user)-\(round - 1)", "content": "Reused id"])
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }

        let created = sent.filter { $0.kind == "new" || $0.kind == "repeat" }
        #expect(created.allSatisfy { $0.status == 200 }, "\(created.filter { $0.status != 200 }.map { ($0.kind, $0.status) })")
        // A question and its repeat answer the same txid; different questions never share one.
        var txidByQuestion: [String: Int] = [:]
        for send in created {
            let key = "\(send.user)-\(send.round)"
            let txid = try #require(send.txid)
            if let earlier = txidByQuestion[key] { #expect(earlier == txid) } else { txidByQuestion[key] = txid }
        }
        #expect(Set(txidByQuestion.values).count == users * rounds)
        #expect(sent.filter { $0.kind == "forbidden" }.allSatisfy { $0.status == 403 })
        #expect(sent.filter { $0.kind == "taken" }.allSatisfy { $0.status == 409 })

        // Exactly what was accepted is in the database, once, with the txid the sender got.
        let database = try DatabaseQueue(path: dir.path + "/qactl.sqlite")
        let rows = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, conversation_id FROM messages").map { ($0[0] as String, $0[1] as String) }
        }
        #expect(rows.count == users * rounds * 2)
        #expect(rows.allSatisfy { id, conversation in id.dropFirst(2).hasPrefix(conversation.dropFirst(2) + "-") })
        let recorded = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, txid FROM _qactl_requests WHERE kind = 'question'").map { ($0[0] as String, $0[1] as Int) }
        }
        for (id, txid) in recorded {
            #expect(txidByQuestion[String(id.dropFirst(2))] == txid)
        }
        // Each accepted send is its own transaction in the change log.
        let changesPerTxid = try await database.read { db in
            try Int.fetchAll(db, sql: "SELECT count(*) FROM _qactl_changes c JOIN messages m ON json_extract(c.new_row, '$.id') = m.id GROUP BY c.txid")
        }
        #expect(changesPerTxid.allSatisfy { $0 == 2 })
        // A refused send shares its batch with accepted ones and leaves nothing behind, not even its transaction number.
        let emptyTransactions = try await database.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM _qactl_tx WHERE txid NOT IN (SELECT txid FROM _qactl_changes)")
        }
        #expect(emptyTransactions == 0)
        try await server.stop()
    }
}
