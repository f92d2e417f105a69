import Foundation
import Testing
import QACtlTestSupport

/// `/v1/shape` over HTTP against a running `qactl serve`.
@Suite(.serialized) struct ShapeProtocolTests {
    let dir = TemporaryDirectory()

    func aliceConversations(_ extra: [(String, String)] = []) -> [(String, String)] {
        [("table", "conversations"), ("where", "user_id = $1"), ("params[1]", "alice")] + extra
    }

    @Test func initialSyncEndsWithSnapshotEndAndIsNeverUpToDate() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let data = try TestData(server: server)
        try await data.conversation("c-1", user: "alice", title: "First")
        try await data.conversation("c-2", user: "bob")
        try await data.conversation("c/3", user: "alice", title: "Third")
        let client = ShapeClient(server: server)

        let answer = try await client.get(aliceConversations([("offset", "-1")]))
        #expect(answer.status == 200)
        #expect(answer.header("electric-offset") == "0_0")
        #expect(answer.header("electric-up-to-date") == nil)
        #expect(answer.header("electric-has-data") == "true")
        #expect(answer.header("cache-control") == "public, max-age=604800, s-maxage=3600, stale-while-revalidate=2629746")
        #expect(answer.header("content-type") == "application/json; charset=utf-8")
        let handle = try #require(answer.header("electric-handle"))
        #expect(answer.header("etag") == "\"\(handle):-1:0_0\"")
        let schema = try JSONSerialization.jsonObject(with: Data(try #require(answer.header("electric-schema")).utf8)) as! [String: [String: Any]]
        #expect(schema["id"]?["type"] as? String == "text")
        #expect(schema["id"]?["pk_index"] as? Int == 0)
        #expect(schema["id"]?["not_null"] as? Bool == true)
        #expect(schema["created_at"]?["type"] as? String == "timestamptz")
        #expect(schema["title"]?["pk_index"] == nil)

        let keys = answer.changes.map { $0["key"] as! String }
        #expect(keys == ["\"public\".\"conversations\"/\"c-1\"", "\"public\".\"conversations\"/\"c//3\""])
        let first = answer.changes[0]
        #expect((first["headers"] as! [String: Any])["operation"] as? String == "insert")
        #expect((first["headers"] as! [String: Any])["relation"] as? [String] == ["public", "conversations"])
        #expect((first["headers"] as! [String: Any])["lsn"] == nil)
        let value = first["value"] as! [String: Any]
        #expect(value["title"] as? String == "First")
        #expect((value["created_at"] as? String)?.range(of: #"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00$"#, options: .regularExpression) != nil)
        let last = try #require(answer.messages.last?["headers"] as? [String: Any])
        #expect(last["control"] as? String == "snapshot-end")
        #expect(last["xmin"] as? String == last["xmax"] as? String)
        #expect(last["xip_list"] as? [Any] != nil)

        // The same definition is the same shape; handle and params are ignored at -1.
        let again = try await client.get(aliceConversations([("offset", "-1"), ("handle", "whatever")]))
        #expect(again.header("electric-handle") == handle)
        // Catch-up: the next request is up-to-date at 0_inf.
        let catchUp = try await client.get(aliceConversations([("offset", "0_0"), ("handle", handle)]))
        #expect(catchUp.status == 200)
        #expect(catchUp.header("electric-up-to-date") == "")
        #expect(catchUp.header("electric-offset") == "0_inf")
        #expect(catchUp.header("cache-control") == "public, max-age=60, stale-while-revalidate=300")
        #expect(catchUp.controls == ["up-to-date"])
        try await server.stop()
    }

    @Test func liveInsertUpdateDeleteCarryTxidsAndMinimalValues() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let data = try TestData(server: server)
        try await data.conversation("c-1", user: "alice")
        let client = ShapeClient(server: server)
        var subscription = try await client.subscribe(aliceConversations())
        #expect(subscription.rows.count == 1)

        // A live poll waits, then wakes with the insert.
        let pending = client.livePoll(subscription)
        try await Task.sleep(for: .milliseconds(200))
        let txid = try await data.conversation("c-2", user: "alice", title: "Live")
        let (answer, after) = try await pending.value
        subscription = after
        #expect(answer.status == 200)
        #expect(answer.header("electric-up-to-date") == "")
        #expect(answer.header("electric-cursor") != nil)
        #expect(answer.header("electric-schema") == nil)
        #expect(answer.header("cache-control") == "public, max-age=5, stale-while-revalidate=5")
        let insert = try #require(answer.changes.first)
        let headers = insert["headers"] as! [String: Any]
        #expect(headers["operation"] as? String == "insert")
        #expect(headers["txids"] as? [Int] == [Int(txid)])
        #expect(headers["lsn"] as? String == String(txid))
        #expect(headers["op_position"] as? Int == 0)
        #expect(headers["last"] as? Bool == true)
        #expect(answer.header("electric-offset") == "\(txid)_0")
        #expect(subscription.rows["\"public\".\"conversations\"/\"c-2\""]?["title"] as? String == "Live")

        // Update: key columns plus what changed.
        let updateTxid = try await data.execute("UPDATE conversations SET title = 'Renamed' WHERE id = 'c-2'")
        var update = try await client.poll(&subscription, live: true)
        let updated = try #require(update.changes.first)
        #expect((updated["headers"] as! [String: Any])["operation"] as? String == "update")
        #expect((updated["value"] as! [String: String]) == ["id": "c-2", "title": "Renamed"])
        #expect(updated["old_value"] == nil)
        #expect((updated["headers"] as! [String: Any])["txids"] as? [Int] == [Int(updateTxid)])

        // Delete: the key only.
        try await data.execute("DELETE FROM conversations WHERE id = 'c-2'")
        update = try await client.poll(&subscription, live: true)
        let deleted = try #require(update.changes.first)
        #expect((deleted["headers"] as! [String: Any])["operation"] as? String == "delete")
        #expect((deleted["value"] as! [String: String]) == ["id": "c-2"])
        #expect(subscription.rows.keys.sorted() == ["\"public\".\"conversations\"/\"c-1\""])

        // Another user's rows never reach this shape.
        try await data.conversation("c-9", user: "bob")
        try await data.conversation("c-3", user: "alice")
        update = try await client.poll(&subscription, live: true)
        #expect(update.changes.map { $0["key"] as! String } == ["\"public\".\"conversations\"/\"c-3\""])
        try await server.stop()
    }

    @Test func replicaFullCarriesWholeRowsAndOldValues() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let data = try TestData(server: server)
        try await data.conversation("c-1", user: "alice", title: "Before")
        let client = ShapeClient(server: server)
        var subscription = try await client.subscribe(aliceConversations([("replica", "full")]))
        try await data.execute("UPDATE conversations SET title = 'After' WHERE id = 'c-1'")
        var answer = try await client.poll(&subscription, live: true)
        let update = try #require(answer.changes.first)
        let value = update["value"] as! [String: String]
        #expect(value["title"] == "After")
        #expect(value["user_id"] == "alice")
        #expect(value.count == 5)
        #expect((update["old_value"] as? [String: String]) == ["title": "Before"])

        try await data.execute("DELETE FROM conversations WHERE id = 'c-1'")
        answer = try await client.poll(&subscription, live: true)
        let delete = try #require(answer.changes.first)
        #expect((delete["value"] as! [String: String]).count == 5)
        try await server.stop()
    }

    @Test func updatesMovingRowsInAndOutBecomeInsertsAndDeletes() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let data = try TestData(server: server)
        try await data.conversation("c-1", user: "alice")
        try await data.message("m-1", conversation: "c-1", status: "completed")
        let client = ShapeClient(server: server)
        var subscription = try await client.subscribe([("table", "messages"), ("where", "status = 'pending' AND conversation_id = $1"), ("params[1]", "c-1")])
        #expect(subscription.rows.isEmpty)

        try await data.execute("UPDATE messages SET status = 'pending' WHERE id = 'm-1'")
        var answer = try await client.poll(&subscription, live: true)
        var change = try #require(answer.changes.first)
        #expect((change["headers"] as! [String: Any])["operation"] as? String == "insert")
        #expect((change["value"] as! [String: String]).count == 8)

        try await data.execute("UPDATE messages SET status = 'completed', content = 'done' WHERE id = 'm-1'")
        answer = try await client.poll(&subscription, live: true)
        change = try #require(answer.changes.first)
        #expect((change["headers"] as! [String: Any])["operation"] as? String == "delete")
        #expect(subscription.rows.isEmpty)
        try await server.stop()
    }

    @Test func columnsSelectWhatIsSynced() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let data = try TestData(server: server)
        try await data.conversation("c-1", user: "alice", title: "T")
        let client = ShapeClient(server: server)
        let answer = try await client.get(aliceConversations([("offset", "-1"), ("columns", "id,\"title\"")]))
        #expect(answer.status == 200)
        #expect((answer.changes.first?["value"] as? [String: String]) == ["id": "c-1", "title": "T"])
        let schema = try JSONSerialization.jsonObject(with: Data(answer.header("electric-schema")!.utf8)) as! [String: Any]
        #expect(Set(schema.keys) == ["id", "title"])

        var subscription = try await client.subscribe(aliceConversations([("columns", "id,title")]))
        try await data.execute("UPDATE conversations SET updated_at = 'x' WHERE id = 'c-1'")
        try await data.execute("UPDATE conversations SET title = 'U' WHERE id = 'c-1'")
        let live = try await client.poll(&subscription, live: true)
        // The first update touched no selected column: nothing to send for it.
        #expect(live.changes.count == 1)
        #expect((live.changes.first?["value"] as? [String: String]) == ["id": "c-1", "title": "U"])
        try await server.stop()
    }

    @Test func staleOrForeignHandlesGet409WithTheCurrentHandle() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let client = ShapeClient(server: server)
        let alice = try await client.subscribe(aliceConversations())
        let bob = try await client.subscribe([("table", "conversations"), ("where", "user_id = $1"), ("params[1]", "bob")])

        for handle in ["1234-5678", bob.handle!] {
            let answer = try await client.get(aliceConversations([("offset", "0_inf"), ("handle", handle)]))
            #expect(answer.status == 409)
            #expect(answer.body == "[{\"headers\":{\"control\":\"must-refetch\"}}]")
            #expect(answer.header("electric-handle") == alice.handle)
            #expect(answer.header("cache-control") == "public, max-age=60, must-revalidate")
        }
        try await server.stop()
    }

    @Test func everyInvalidParameterIsA400NamingIt() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let client = ShapeClient(server: server)
        let cases: [([(String, String)], String, String)] = [
            ([("offset", "-1")], "table", "can't be blank"),
            ([("table", "nope"), ("offset", "-1")], "table", "does not exist"),
            ([("table", "Conversations"), ("offset", "-1")], "", ""),
            ([("table", "\"Conversations\""), ("offset", "-1")], "table", "does not exist"),
            ([("table", "public.conversations"), ("offset", "-1")], "", ""),
            ([("table", "other.conversations"), ("offset", "-1")], "table", "does not exist"),
            ([("table", ".conversations"), ("offset", "-1")], "table", "zero-length"),
            ([("table", "conversations"), ("offset", "-1"), ("columns", "id, Title")], "", ""),
            ([("table", "conversations")], "offset", "can't be blank"),
            ([("table", "conversations"), ("offset", "abc")], "offset", "has invalid format"),
            ([("table", "conversations"), ("offset", "1_-2")], "offset", "has invalid format"),
            ([("table", "conversations"), ("offset", "5_3")], "handle", "can't be blank when offset != -1"),
            ([("table", "conversations"), ("offset", "-1"), ("live", "true")], "live", "can't be true when offset == -1"),
            ([("table", "conversations"), ("offset", "now"), ("live", "true")], "live", "can't be true when offset is 'now'"),
            // Any value but `false` is live, and live is not allowed from -1.
            ([("table", "conversations"), ("offset", "-1"), ("live", "1")], "live", "can't be true when offset == -1"),
            ([("table", "conversations"), ("offset", "-1"), ("live", "")], "live", "can't be true when offset == -1"),
            ([("table", "conversations"), ("offset", "-1"), ("live", "false")], "", ""),
            ([("table", "conversations"), ("offset", "-1"), ("replica", "partial")], "replica", "is invalid"),
            ([("table", "conversations"), ("offset", "-1"), ("log", "some")], "log", "is invalid"),
            ([("table", "conversations"), ("offset", "-1"), ("columns", "title")], "columns", "must include all primary key columns, missing: id"),
            ([("table", "conversations"), ("offset", "-1"), ("columns", "id,nope")], "columns", "not found on the table: nope"),
            ([("table", "conversations"), ("offset", "-1"), ("columns", "id,,title")], "columns", "zero-length"),
            ([("table", "conversations"), ("offset", "-1"), ("where", "user_id = $1"), ("params[2]", "x")], "params", "sequentially"),
            ([("table", "conversations"), ("offset", "-1"), ("where", "user_id = $1"), ("params[a]", "x")], "params", "numbers as keys"),
            ([("table", "conversations"), ("offset", "-1"), ("where", "user_id = $1")], "where", "$1"),
            ([("table", "conversations"), ("offset", "-1"), ("where", "lower(title) = 'x'")], "where", "function"),
            ([("table", "conversations"), ("offset", "-1"), ("where", "nope = 1")], "where", "nope"),
            ([("table", "conversations"), ("offset", "-1"), ("where", "title = 'a'; DROP TABLE messages")], "where", ";"),
        ]
        for (parameters, field, reason) in cases {
            let answer = try await client.get(parameters)
            if field.isEmpty {
                #expect(answer.status == 200, "\(parameters)")
                continue
            }
            #expect(answer.status == 400, "\(parameters)")
            #expect(answer.json["message"] as? String == "Invalid request")
            let errors = (answer.json["errors"] as? [String: [String]])?[field] ?? []
            #expect(errors.contains { $0.contains(reason) }, "\(parameters): \(answer.body)")
            #expect(answer.header("cache-control") == "no-store")
        }
        // Unknown parameters are ignored.
        let extra = try await client.get(aliceConversations([("offset", "-1"), ("expired_handle", "x"), ("cache-buster", "y"), ("whatever", "z")]))
        #expect(extra.status == 200)
        // The messages table still exists: the hostile where above changed nothing.
        #expect(try await client.get([("table", "messages"), ("offset", "-1")]).status == 200)
        try await server.stop()
    }

    @Test func theSyncSecretGuardsTheEndpoint() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        for secret in [nil, "wrong", ""] as [String?] {
            let answer = try await ShapeClient(server: server, secret: secret).get(aliceConversations([("offset", "-1")]))
            #expect(answer.status == 401)
            #expect(answer.body == "{\"message\":\"Unauthorized - Invalid API secret\"}")
        }
        try await server.stop()
        // With no secret configured, every outside caller is refused.
        let open = try await ServeProcess.start(dataDirectory: dir.path, arguments: [])
        #expect(try await ShapeClient(server: open, secret: nil).get(aliceConversations([("offset", "-1")])).status == 401)
        #expect(try await ShapeClient(server: open, secret: "anything").get(aliceConversations([("offset", "-1")])).status == 401)
        try await open.stop()
    }

    @Test func matchingETagGets304AndHeadAndOptionsWork() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let client = ShapeClient(server: server)
        let first = try await client.get(aliceConversations([("offset", "-1")]))
        let etag = try #require(first.header("etag"))
        let cached = try await client.get(aliceConversations([("offset", "-1")]), headers: [("if-none-match", etag)])
        #expect(cached.status == 304)
        #expect(cached.body.isEmpty)
        #expect(cached.header("electric-handle") == first.header("electric-handle"))
        let other = try await client.get(aliceConversations([("offset", "-1")]), headers: [("if-none-match", "\"other\"")])
        #expect(other.status == 200)
        // Weak comparison, as RFC 9110 asks: a proxy that compresses sends the tag back weakened.
        let weakened = try await client.get(aliceConversations([("offset", "-1")]), headers: [("if-none-match", "\"x\", W/" + etag)])
        #expect(weakened.status == 304)

        let head = try await HTTP.send(client.url(aliceConversations([("offset", "-1")])), method: .HEAD)
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(head.header("electric-offset") == "0_0")

        let options = try await HTTP.send(server.baseURL + "/v1/shape", method: .OPTIONS, headers: [("origin", "https://app.example")])
        #expect(options.status == 204)
        #expect(options.header("access-control-allow-origin") == "https://app.example")
        let cors = try await client.get(aliceConversations([("offset", "-1")]), headers: [("origin", "https://app.example")])
        #expect(cors.header("access-control-allow-origin") == "https://app.example")
        #expect(cors.header("access-control-expose-headers")?.contains("electric-offset") == true)
        #expect(cors.header("access-control-expose-headers")?.contains("electric-handle") == true)
        try await server.stop()
    }
}
