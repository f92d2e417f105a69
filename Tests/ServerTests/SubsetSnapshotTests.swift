import Foundation
import NIOHTTP1
import QACtlTestSupport
import Testing

/// A subset snapshot's answer, read as Electric's client reads it.
struct SubsetAnswer {
    let answer: ServerAnswer
    let metadata: [String: Any]
    let rows: [[String: Any]]

    init(_ answer: ServerAnswer) throws {
        guard answer.status == 200 else { throw TestFailure("subset answered \(answer.status): \(answer.body)") }
        self.answer = answer
        metadata = try #require(answer.json["metadata"] as? [String: Any])
        rows = try #require(answer.json["data"] as? [[String: Any]])
    }

    var keys: Set<String> { Set(rows.map { $0["key"] as! String }) }
    var ids: [String] { rows.map { ($0["value"] as! [String: Any])["id"] as! String } }

    /// Electric's rule (snapshot-tracker.ts): a log change already in this
    /// subset is dropped when its key is here and its txid is visible in the
    /// subset's snapshot.
    func contains(_ change: [String: Any]) -> Bool {
        let headers = change["headers"] as! [String: Any]
        let txid = UInt64((headers["txids"] as! [Int])[0])
        let xmin = UInt64(metadata["xmin"] as! String)!, xmax = UInt64(metadata["xmax"] as! String)!
        let xip = (metadata["xip_list"] as! [String]).compactMap { UInt64($0) }
        return keys.contains(change["key"] as! String) && (txid < xmin || (txid < xmax && !xip.contains(txid)))
    }
}

/// Query-driven sync: `offset=now` + `log=changes_only`, then subset snapshots
/// (GET `subset__*` and POST with a JSON body), on both stores, through the
/// gatekeeper and on `/v1/shape`.
@Suite(.serialized) struct SubsetSnapshotTests {
    let dir = TemporaryDirectory()

    /// `POST /shape` with a JSON body, as Electric's client sends long subsets.
    static func postShape(_ api: ServerAPI, _ parameters: [(String, String)], body: String, token: String) async throws -> ServerAnswer {
        try await HTTP.send(api.server.url("/shape", parameters), method: .POST,
                                   headers: [("authorization", "Bearer \(token)"), ("content-type", "application/json")], body: body)
    }

    /// TanStack DB's on-demand sequence against `server`, through `/shape`:
    /// open the shape at `now`, load a query's rows with subsets (GET, then
    /// POST), follow the log from the position the client held, and see every
    /// row exactly once after Electric's dedupe.
    static func onDemandSequence(_ server: ServeProcess) async throws {
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        try await api.conversation("c-1", token: alice)
        for n in 1...4 {
            let sent = try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "q-\(n)", "answerId": "a-\(n)", "content": "Question \(n)"], token: alice)
            #expect(sent.status == 200)
        }
        let token = try #require(try await api.shapeToken(table: "messages", params: ["conversationId": "c-1"], token: alice).1)

        // offset=now with changes_only: up-to-date at the tip, no rows.
        let opened = try await api.shape([("offset", "now"), ("log", "changes_only")], token: token)
        #expect(opened.status == 200)
        #expect(opened.changes.isEmpty)
        #expect(opened.controls == ["up-to-date"])
        let handle = try #require(opened.header("electric-handle"))
        let heldOffset = try #require(opened.header("electric-offset"))
        let position = [("offset", heldOffset), ("handle", handle), ("log", "changes_only")]

        // A question arrives while the client is paused for its subset.
        let during = try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "q-5", "answerId": "a-5", "content": "During"], token: alice)
        #expect(during.status == 200)

        // GET: the user's questions, newest first, two of them.
        let get = try SubsetAnswer(try await api.shape(position + [
            ("subset__where", "role = $1"), ("subset__params", "{\"1\":\"user\"}"),
            ("subset__order_by", "created_at DESC"), ("subset__limit", "2"),
        ], token: token))
        #expect(get.ids == ["q-5", "q-4"])
        #expect(get.answer.header("electric-snapshot") == "true")
        #expect(get.answer.header("electric-handle") == handle)
        #expect(get.answer.header("electric-schema")?.contains("\"conversation_id\"") == true)
        #expect(get.answer.header("electric-offset") != nil)
        #expect(get.answer.header("cache-control") == "no-cache")
        let mark = try #require(get.metadata["snapshot_mark"] as? Int)
        #expect(get.rows.allSatisfy { ($0["headers"] as? [String: Any])?["snapshot_mark"] as? Int == mark })
        #expect(UInt64(get.metadata["database_lsn"] as? String ?? "") != nil)

        // POST: the same subset in a JSON body, and the next page by offset.
        let post = try SubsetAnswer(try await postShape(api, position, body: """
            {"where": "role = $1", "params": {"1": "user"}, "order_by": "created_at DESC", "limit": 2, "offset": 2}
            """, token: token))
        #expect(post.ids == ["q-3", "q-2"])

        // The log from where the client stood: "During" is in the GET subset
        // already (dropped by the dedupe), a later question is not.
        let after = try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "q-6", "answerId": "a-6", "content": "After"], token: alice)
        let afterTxid = try #require(after.json["txid"] as? Int)
        var delivered: [String: Int] = [:]
        for row in get.rows { delivered[row["key"] as! String, default: 0] += 1 }
        var offset = heldOffset
        var cursor: String?
        for _ in 0..<20 {
            var query = [("offset", offset), ("handle", handle), ("log", "changes_only")]
            if let cursor { query += [("live", "true"), ("cursor", cursor)] }
            let page = try await api.shape(query, token: token)
            #expect(page.status == 200)
            for change in page.changes where !get.contains(change) {
                delivered[change["key"] as! String, default: 0] += 1
            }
            offset = try #require(page.header("electric-offset"))
            if page.changes.contains(where: { (($0["headers"] as? [String: Any])?["txids"] as? [Int]) == [afterTxid] }) { break }
            // Caught up without it yet: wait for it live.
            if page.header("electric-up-to-date") != nil { cursor = page.header("electric-cursor") ?? "0" }
        }
        #expect(delivered["\"public\".\"messages\"/\"q-5\""] == 1, "the row written during the subset arrives once")
        #expect(delivered["\"public\".\"messages\"/\"q-6\""] == 1, "a row written after the subset arrives from the log")
    }

    @Test func onDemandOnTheEmbeddedStore() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret", "--answerer", "none"])
        try await Self.onDemandSequence(server)
        try await server.stop()
    }

    @Test func subsetOnV1ShapeNarrowsTheShapesWhere() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret", "--answerer", "none"])
        let data = try TestData(server: server)
        try await data.conversation("c-1", user: "alice", title: "Apples")
        try await data.conversation("c-2", user: "alice", title: "Bananas")
        try await data.conversation("c-3", user: "bob", title: "Apples")
        let client = ShapeClient(server: server)
        let shape = [("table", "conversations"), ("where", "user_id = $1"), ("params[1]", "alice"), ("offset", "now"), ("log", "changes_only")]
        // The subset's $1 is its own: it names the title, the shape's names the user.
        let apples = try SubsetAnswer(try await client.get(shape + [("subset__where", "title = $1"), ("subset__params", "{\"1\":\"Apples\"}")]))
        #expect(apples.ids == ["c-1"])
        // Without a where: every row of the shape, none of bob's.
        let all = try SubsetAnswer(try await client.get(shape + [("subset__order_by", "title desc"), ("subset__limit", "10")]))
        #expect(all.ids == ["c-2", "c-1"])
        // Only the shape's columns can be named.
        let narrow = [("table", "conversations"), ("columns", "id,title"), ("offset", "now"), ("log", "changes_only")]
        let hidden = try await client.get(narrow + [("subset__where", "user_id = 'bob'")])
        #expect(hidden.status == 400)
        #expect(hidden.body.contains("subset__where"))
        // Electric's validation: limit needs an order, limit > 0, offset >= 0, no live subset.
        for (extra, field) in [([("subset__limit", "2")], "subset__order_by"), ([("subset__order_by", "id"), ("subset__limit", "0")], "subset__limit"),
                               ([("subset__order_by", "id"), ("subset__offset", "-1")], "subset__offset")] {
            let refused = try await client.get(shape + extra)
            #expect(refused.status == 400, "\(extra)")
            #expect(refused.body.contains(field), "\(extra): \(refused.body)")
            #expect(refused.header("cache-control") == "no-store")
        }
        try await server.stop()
    }

    /// Clauses the SQL prefilter cannot carry (timestamps, deep nesting) are still answered exactly.
    @Test func timestampsByInstantAndDeepNestingAreAnsweredExactly() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--answerer", "none"])
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        let token = try await api.conversationWithQuestions("c-1", 2, token: alice)
        let open = [("offset", "now"), ("log", "changes_only")]
        // As TanStack DB sends dates (ISO, `Z`), against rows stored as `2026-12-04 13:18:55.277987+00`.
        func iso(_ offset: TimeInterval) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return formatter.string(from: Date().addingTimeInterval(offset))
        }
        func rows(_ clause: String, _ value: String) async throws -> Int {
            let body = String(data: try JSONSerialization.data(withJSONObject: ["where": clause, "params": ["1": value]]), encoding: .utf8)!
            return try SubsetAnswer(try await Self.postShape(api, open, body: body, token: token)).rows.count
        }
        #expect(try await rows("created_at > $1", iso(-3600)) == 4, "an hour ago, written as ISO")
        #expect(try await rows("created_at < $1", iso(3600)) == 4)
        #expect(try await rows("created_at > $1", iso(3600)) == 0)
        #expect(try await rows("role = 'user' AND created_at > $1", "2000-01-01 12:00:00+14") == 2, "another zone")
        // 60 NOTs: within the clause's limit, beyond what SQLite's parser takes (it was a 503 "please retry").
        #expect(try await rows(String(repeating: "NOT ", count: 60) + "role = $1", "user") == 2)
        #expect(try await rows(String(repeating: "NOT ", count: 61) + "role = $1", "user") == 2)
        let garbage = try await Self.postShape(api, open, body: #"{"where": "created_at > $1", "params": {"1": "garbage"}}"#, token: token)
        #expect(garbage.status == 400 && garbage.body.contains("not a valid timestamptz"), "\(garbage.status) \(garbage.body)")
        try await server.stop()
    }

    /// Every hostile subset is refused (400) or returns only the token's rows.
    @Test func hostileSubsetsThroughTheGatekeeper() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--answerer", "none"])
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        let bob = try await api.authToken("bob")
        try await api.conversation("c-alice", title: "Mine", token: alice)
        try await api.conversation("c-bob", title: "Secret", token: bob)
        let token = try #require(try await api.shapeToken(table: "conversations", token: alice).1)
        let open = [("offset", "now"), ("log", "changes_only")]
        let long = String(repeating: "x", count: 10_000)

        let refused = [
            "1=1) OR (1=1", "length(title) > 0", "id IN (SELECT id FROM conversations)", "title = 'a'; DELETE FROM conversations",
            "title = 'a' -- comment", "title = 'a' /* c */", "secret_column = 1", "pg_sleep(10) IS NULL", String(repeating: "(", count: 200) + "true",
        ]
        for clause in refused {
            let answer = try await api.shape(open + [("subset__where", clause)], token: token)
            #expect(answer.status == 400, "\(clause.prefix(60)) answered \(answer.status)")
            #expect(!answer.body.contains("c-bob"))
        }
        // Accepted or refused, as long as nothing of bob's comes back; these two must be accepted.
        let narrowedToAlice: [(String, String?)] = [
            ("true OR true", nil), ("1 = 1 OR title = 'x'", nil), ("user_id = 'bob'", nil), ("id = 'c-bob'", nil),
            ("user_id = $1", "{\"1\":\"bob\"}"), ("title <> ''", nil),
        ]
        for (clause, params) in narrowedToAlice {
            var query = open + [("subset__where", clause)]
            if let params { query.append(("subset__params", params)) }
            let answer = try await api.shape(query, token: token)
            #expect(answer.status == 200 || answer.status == 400, "\(clause.prefix(60)): \(answer.body.prefix(200))")
            if clause.contains("bob") { #expect(answer.status == 200, "\(clause)") }
            guard answer.status == 200 else { continue }
            let subset = try SubsetAnswer(answer)
            #expect(Set(subset.ids).isSubset(of: ["c-alice"]), "\(clause.prefix(60)) leaked \(subset.ids)")
        }
        // 10 KB of text: too long for a URL (414), so Electric's client POSTs it;
        // 20 KB is over the where clause's limit.
        #expect(try await api.shape(open + [("subset__where", "title = '" + long + "'")], token: token).status == 414)
        let longPost = try SubsetAnswer(try await Self.postShape(api, open, body: "{\"where\": \"title = '\(long)' OR true\"}", token: token))
        #expect(Set(longPost.ids).isSubset(of: ["c-alice"]))
        let tooLong = try await Self.postShape(api, open, body: "{\"where\": \"title = '\(long + long)'\"}", token: token)
        #expect(tooLong.status == 400)
        #expect(tooLong.body.contains("too long"))
        // A POST body cannot name the table, the shape's where or the secret.
        let posted = try SubsetAnswer(try await Self.postShape(api, open + [("table", "messages"), ("where", "true"), ("params[1]", "bob")], body: """
            {"table": "messages", "secret": "guess", "subset": {"where": "true OR user_id = 'bob'"}, "params": {}}
            """, token: token))
        #expect(posted.ids == ["c-alice"])
        // A body that is not JSON, not an object, half an emoji, or too large: each says which.
        let garbage = try await Self.postShape(api, open, body: "{\"where\": ", token: token)
        #expect(garbage.status == 400)
        #expect(garbage.body.contains("the request body is not valid JSON"), "\(garbage.body)")
        let array = try await Self.postShape(api, open, body: "[1]", token: token)
        #expect(array.status == 400 && array.body.contains("the request body must be a JSON object"), "\(array.body)")
        let halfEmoji = try await Self.postShape(api, open, body: #"{"where": "title = '\ud83d'"}"#, token: token)
        #expect(halfEmoji.status == 400 && halfEmoji.body.contains("is half of a UTF-16 surrogate pair"), "\(halfEmoji.body)")
        let huge = try await Self.postShape(api, open, body: "{\"where\": \"" + String(repeating: long, count: 7) + "\"}", token: token)
        #expect(huge.status == 413)
        // A limit that is not a whole number says so (not "must be greater than 0").
        for limit in ["1.5", "1e30", "99999999999999999999"] {
            let odd = try await Self.postShape(api, open, body: "{\"order_by\": \"title\", \"limit\": \(limit)}", token: token)
            #expect(odd.status == 400 && odd.body.contains("must be a whole number"), "\(limit): \(odd.body)")
        }
        let zero = try await Self.postShape(api, open, body: #"{"order_by": "title", "limit": 0}"#, token: token)
        #expect(zero.status == 400 && zero.body.contains("must be greater than 0"), "\(zero.body)")
        #expect(try await api.shape(open, token: token).status == 200, "the server is still there")
        try await server.stop()
    }
}
