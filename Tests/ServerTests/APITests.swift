import AppModel
import Foundation
import QACtlTestSupport
import Testing
import Tokens
/// The API and the gatekeeper over HTTP against a running `qactl serve`.
@Suite(.serialized) struct APITests {
    let dir = TemporaryDirectory()

    @Test func theSeedFlowEndToEnd() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")

        let created = try await api.post("/conversations", json: ["id": "conv-1", "title": "  Questions  "], token: alice)
        #expect(created.status == 201)
        let conversation = created.json["conversation"] as? [String: Any]
        #expect(conversation?["id"] as? String == "conv-1")
        #expect(conversation?["title"] as? String == "Questions")
        #expect(conversation?["user_id"] as? String == "alice")
        #expect(created.json["txid"] as? Int != nil)

        let (granted, token) = try await api.shapeToken(table: "messages", params: ["conversationId": "conv-1"], token: alice)
        #expect(granted.status == 200)
        let shapeToken = try #require(token)
        let shape = granted.json["shape"] as? [String: Any]
        #expect(shape?["table"] as? String == "messages")
        #expect(shape?["where"] as? String == "conversation_id = $1")
        #expect(shape?["params"] as? [String] == ["conv-1"])
        #expect(granted.json["expiresAt"] as? String != nil)

        var follow = ServerAPI.Follow()
        let initial = try await api.follow(&follow, token: shapeToken)
        #expect(initial.status == 200)
        #expect(initial.controls == ["snapshot-end"])
        #expect(initial.header("vary")?.contains("authorization") == true)
        try await api.catchUp(&follow, token: shapeToken)

        let state = follow
        let live = Task {
            var copy = state
            let answer = try await api.follow(&copy, token: shapeToken, live: true)
            return (answer, copy)
        }
        try await Task.sleep(for: .milliseconds(200))
        let sent = try await api.post("/questions/send", json: ["conversationId": "conv-1", "questionId": "q-1", "answerId": "a-1", "content": "How do I mint a shape token?"], token: alice)
        #expect(sent.status == 200)
        #expect(sent.json["success"] as? Bool == true)
        let txid = try #require(sent.json["txid"] as? Int)
        let (answer, _) = try await live.value
        #expect(answer.status == 200)
        // The send's transaction: exactly its two rows. The same answer may also
        // carry the built-in answerer's first writes to the answer, when they are
        // in the log by the time the woken poll reads it; nothing else.
        let txids = { (message: [String: Any]) in (message["headers"] as? [String: Any])?["txids"] as? [Int] }
        let messages = answer.changes.filter { txids($0) == [txid] }
        #expect(messages.count == 2)
        for later in answer.changes where txids(later) != [txid] {
            #expect((later["headers"] as? [String: Any])?["operation"] as? String == "update")
            #expect((later["key"] as? String)?.contains("a-1") == true, "\(later)")
        }
        let question = try #require(messages.first { ($0["value"] as? [String: Any])?["id"] as? String == "q-1" }?["value"] as? [String: String])
        let placeholder = try #require(messages.first { ($0["value"] as? [String: Any])?["id"] as? String == "a-1" }?["value"] as? [String: String])
        #expect(question["role"] == "user")
        #expect(question["status"] == "completed")
        #expect(question["content"] == "How do I mint a shape token?")
        #expect(placeholder["role"] == "assistant")
        #expect(placeholder["status"] == "pending")
        #expect(placeholder["content"] == "")
        #expect(try #require(placeholder["created_at"]) > (try #require(question["created_at"])))
        try await server.stop()
    }

    @Test func otherUsersConversationsAndHostileInputRevealNothing() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        let bob = try await api.authToken("bob")
        try await api.conversation("alice-c", token: alice)
        try await api.conversation("bob-c", token: bob)
        #expect(try await api.post("/questions/send", json: ["conversationId": "bob-c", "questionId": "bq", "answerId": "ba", "content": "bob's secret"], token: bob).status == 200)

        // Someone else's conversation and one that does not exist: the same 403.
        let theirs = try await api.shapeToken(table: "messages", params: ["conversationId": "bob-c"], token: alice).0
        let missing = try await api.shapeToken(table: "messages", params: ["conversationId": "nope"], token: alice).0
        #expect(theirs.status == 403)
        #expect(missing.status == 403)
        #expect(theirs.body == missing.body)
        #expect((theirs.json["error"] as? [String: Any])?["code"] as? String == "forbidden")
        for hostile in ["' OR 1=1 --", "x') OR ('1'='1", String(repeating: "A", count: 5000), "bob-c' --", "%", "_"] {
            let answer = try await api.shapeToken(table: "messages", params: ["conversationId": hostile], token: alice).0
            #expect(answer.status == 403, "\(hostile.prefix(20))")
        }
        // A NUL (or other control character) never reaches the ownership check: the id is refused whole.
        for smuggled in ["alice-c\u{0}x", "alice-c\u{0}", "alice-c\n"] {
            let answer = try await api.shapeToken(table: "messages", params: ["conversationId": smuggled], token: alice)
            #expect(answer.0.status == 400, "\(smuggled.debugDescription)")
            #expect(answer.1 == nil)
        }
        #expect(try await api.shapeToken(table: "secrets", token: alice).0.status == 403)
        #expect(try await api.post("/questions/send", json: ["conversationId": "bob-c", "questionId": "aq", "answerId": "aa", "content": "hi"], token: alice).status == 403)

        // A client cannot widen its shape: table, where, params and secret it sends are ignored.
        let token = try #require(try await api.shapeToken(table: "messages", params: ["conversationId": "alice-c"], token: alice).1)
        let widened = try await api.shape(
            [("offset", "-1"), ("table", "conversations"), ("where", "true"), ("params[1]", "bob-c"), ("secret", "x"), ("api_secret", "x")],
            token: token)
        #expect(widened.status == 200)
        #expect(!widened.body.contains("bob"))
        #expect(widened.changes.isEmpty)
        #expect(widened.header("electric-schema")?.contains("conversation_id") == true)

        // The conversations shape is always the caller's own.
        let mine = try #require(try await api.shapeToken(table: "conversations", params: ["userId": "bob"], token: alice).1)
        var follow = ServerAPI.Follow()
        try await api.catchUp(&follow, token: mine)
        #expect(follow.messages.map { ($0["value"] as? [String: Any])?["id"] as? String } == ["alice-c"])
        try await server.stop()
    }

    @Test func tokensOfTheWrongKindAgeOrAlgorithmAre401() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        try await api.conversation("c", token: alice)
        let shapeToken = try #require(try await api.shapeToken(table: "messages", params: ["conversationId": "c"], token: alice).1)

        var follow = ServerAPI.Follow()
        try await api.catchUp(&follow, token: shapeToken)

        // Expired shape token → 401 with a challenge; a fresh one continues from the same offset.
        let grant = ShapeGrant(table: "messages", where: "conversation_id = $1", params: ["c"])
        let expired = try await api.authority.mintShape(subject: "alice", shape: grant, lifetime: .seconds(60), now: Date().addingTimeInterval(-3600)).token
        let refused = try await api.follow(&follow, token: expired)
        #expect(refused.status == 401)
        #expect(refused.header("www-authenticate")?.contains("invalid_token") == true)
        #expect((refused.json["error"] as? [String: Any])?["code"] as? String == "unauthorized")
        #expect(refused.header("cache-control") == "no-store")
        let fresh = try #require(try await api.shapeToken(table: "messages", params: ["conversationId": "c"], token: alice).1)
        let offset = follow.offset
        let resumed = try await api.follow(&follow, token: fresh)
        #expect(resumed.status == 200)
        #expect(follow.offset == offset)

        // `live=1` is a live request too (any value but `false`): held until the next change comes.
        let (tip, handle, cursor) = (follow.offset, follow.handle, follow.cursor)
        let held = Task { try await api.shape([("offset", tip), ("handle", handle), ("live", "1"), ("cursor", cursor)], token: fresh) }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await api.post("/questions/send", json: ["conversationId": "c", "questionId": "q-live", "answerId": "a-live", "content": "Live?"], token: alice).status == 200)
        let woken = try await held.value
        #expect(woken.status == 200)
        #expect(woken.changes.contains { ($0["value"] as? [String: Any])?["id"] as? String == "q-live" }, "\(woken.body)")

        // Each kind only where it belongs.
        #expect(try await api.shape([("offset", "-1")], token: alice).status == 401)
        #expect(try await api.post("/conversations", json: ["title": "x"], token: shapeToken).status == 401)
        #expect(try await api.shape([("offset", "-1")], token: nil).status == 401)
        #expect(try await api.post("/conversations", json: ["title": "x"], token: nil).status == 401)
        #expect(try await api.post("/conversations", json: ["title": "x"], token: "garbage").status == 401)

        // alg: none, with the shape claim of a real token.
        let parts = shapeToken.split(separator: ".")
        let none = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        #expect(try await api.shape([("offset", "-1")], token: "\(none).\(parts[1]).").status == 401)
        #expect(try await api.shape([("offset", "-1")], token: "\(none).\(parts[1]).\(parts[2])").status == 401)

        // Signed with the real key, but with an expiry or issue time that is no time: 401, and the server lives on.
        let now = Int(Date().timeIntervalSince1970)
        for (claim, value) in [("exp", 1e19), ("exp", -1e19), ("iat", 1e300), ("nbf", -1e30)] as [(String, Any)] {
            var claims: [String: Any] = ["iss": "qactl", "aud": "qactl:api", "sub": "alice", "iat": now, "exp": now + 300]
            claims[claim] = value
            let odd = try SignedToken.auth(claims: claims, dataDirectory: dir.path)
            let answer = try await api.post("/shapes/auth-token", json: ["table": "conversations"], token: odd)
            #expect(answer.status == 401, "\(claim) \(value): \(answer.status) \(answer.body)")
        }
        #expect(try await api.post("/conversations", json: ["title": "still here"], token: alice).status == 201)
        try await server.stop()
    }

    @Test func writesAreValidatedAndIdempotent() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        let bob = try await api.authToken("bob")

        let first = try await api.post("/conversations", json: ["id": "c-1", "title": "T"], token: alice)
        let again = try await api.post("/conversations", json: ["id": "c-1", "title": "T"], token: alice)
        #expect(first.status == 201 && again.status == 201)
        #expect(first.json["txid"] as? Int == again.json["txid"] as? Int)
        // Another user's id: refused for what it is, whatever the title (the same one here).
        let taken = try await api.post("/conversations", json: ["id": "c-1", "title": "T"], token: bob)
        #expect(taken.status == 409)
        #expect((taken.json["error"] as? [String: Any])?["message"] as? String == "conversation id c-1 is taken (another user sent it); use a new id")
        // The same id with another title is another request: refused, nothing changed.
        let retitled = try await api.post("/conversations", json: ["id": "c-1", "title": "Other"], token: alice)
        #expect(retitled.status == 409)
        #expect(try await api.post("/conversations", json: ["id": "c-1", "title": "T"], token: alice).json["txid"] as? Int == first.json["txid"] as? Int)
        let generated = try await api.post("/conversations", json: ["title": "No id"], token: alice)
        #expect(generated.status == 201)
        #expect(((generated.json["conversation"] as? [String: Any])?["id"] as? String)?.isEmpty == false)

        let question: [String: Any] = ["conversationId": "c-1", "questionId": "q-1", "answerId": "a-1", "content": "Why?"]
        let sent = try await api.post("/questions/send", json: question, token: alice)
        let repeated = try await api.post("/questions/send", json: question, token: alice)
        #expect(sent.status == 200 && repeated.status == 200)
        #expect(sent.json["txid"] as? Int == repeated.json["txid"] as? Int)
        var changed = question
        changed["content"] = "Why not?"
        #expect(try await api.post("/questions/send", json: changed, token: alice).status == 409)
        let takenQuestion = try await api.post("/questions/send", json: question, token: bob)
        #expect(takenQuestion.status == 409, "\(takenQuestion.body)")
        // One id for both messages is a malformed request, not a conflict: 400 naming the field.
        let sameIDs = try await api.post(
            "/questions/send", json: ["conversationId": "c-1", "questionId": "same-1", "answerId": "same-1", "content": "x"], token: alice)
        #expect(sameIDs.status == 400 && sameIDs.body.contains("answerId"), "\(sameIDs.status) \(sameIDs.body)")
        // A duplicate sent while the first is in flight (a retry, a double click) is a repeat, not a conflict.
        let statuses = try await api.sendAtOnce(
            #"{"conversationId":"c-1","questionId":"q-dup","answerId":"a-dup","content":"Twice?"}"#, times: 8, token: alice)
        #expect(statuses.allSatisfy { $0.0 == 200 }, "\(statuses)")
        #expect(Set(statuses.compactMap(\.1)).count == 1)
        var reused = question
        reused["questionId"] = "q-2"
        #expect(try await api.post("/questions/send", json: reused, token: alice).status == 409, "answer id a-1 is taken")

        let invalid: [(String, String)] = [
            ("{", "not valid JSON"), ("[]", "not a JSON object"), ("", "empty"),
            // Half an emoji (a client that cut a string between its two UTF-16 units) is named as such.
            (#"{"conversationId":"c-1","questionId":"q-9","answerId":"a-9","content":"cut \ud83d"}"#, "\\ud83d is half of a UTF-16 surrogate pair"),
            (#"{"conversationId":"c-1","questionId":"q-9","answerId":"a-9","content":"\ude00 cut"}"#, "\\ude00 is half of a UTF-16 surrogate pair"),
            (#"{"conversationId":"c-1","questionId":"q-9","answerId":"a-9"}"#, "content"),
            (#"{"conversationId":"c-1","questionId":"q 9","answerId":"a-9","content":"x"}"#, "questionId"),
            (#"{"conversationId":"c-1","questionId":"","answerId":"a-9","content":"x"}"#, "questionId"),
            (#"{"conversationId":"c-1","questionId":"q-9","answerId":"a-9","content":"   "}"#, "content"),
            // Unicode white space trims too: ideographic, line separator, no-break and zero-width spaces.
            (#"{"conversationId":"c-1","questionId":"q-9","answerId":"a-9","content":"\u3000\u2028\u00a0\u200b\t"}"#, "content"),
            (#"{"conversationId":"c-1","questionId":"q-9","answerId":"a-9","content":42}"#, "content"),
            ("{\"conversationId\":\"c-1\",\"questionId\":\"\(String(repeating: "q", count: 65))\",\"answerId\":\"a-9\",\"content\":\"x\"}", "questionId"),
        ]
        for (body, field) in invalid {
            let answer = try await api.post("/questions/send", body, token: alice)
            #expect(answer.status == 400, "\(body)")
            #expect(((answer.json["error"] as? [String: Any])?["message"] as? String)?.contains(field) == true, "\(body): \(answer.body)")
        }
        let long = String(repeating: "é", count: 16_385)
        #expect(try await api.post("/questions/send", json: ["conversationId": "c-1", "questionId": "q-8", "answerId": "a-8", "content": long], token: alice).status == 400)
        let huge = "{\"title\":\"" + String(repeating: "x", count: 70_000) + "\"}"
        let tooLarge = try await api.post("/conversations", huge, token: alice)
        #expect(tooLarge.status == 413)
        #expect((tooLarge.json["error"] as? [String: Any])?["code"] as? String == "payload_too_large")
        #expect(try await api.post("/conversations", json: ["title": String(repeating: "t", count: 201)], token: alice).status == 400)
        // One character of 30,000 combining marks: within 200 characters, not within 4 KiB.
        let heavy = try await api.post("/conversations", json: ["title": "e" + String(repeating: "\u{301}", count: 30_000)], token: alice)
        #expect(heavy.status == 400 && heavy.body.contains("title must be 1 to 4096 bytes"), "\(heavy.body.prefix(200))")

        // Nothing of the refused requests was written.
        let store = try TestData(server: server).store
        let count = try await store.snapshot(of: DataModel.messages, filter: nil).rows.count
        #expect(count == 4)
        try await server.stop()
    }

    @Test func browsersGetCORSAndOperatorsGetMetrics() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--sync-secret", "s3cret"])
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        let origin = "https://chat.example"
        for path in ["/questions/send", "/conversations", "/shapes/auth-token", "/shape"] {
            let preflight = try await HTTP.send(server.baseURL + path, method: .OPTIONS, headers: [("origin", origin), ("access-control-request-method", "POST")])
            #expect(preflight.status == 204, "\(path)")
            #expect(preflight.header("access-control-allow-origin") == origin, "\(path)")
            #expect(preflight.header("access-control-allow-headers")?.contains("authorization") == true)
        }
        let created = try await api.post("/conversations", json: ["id": "c", "title": "T"], token: alice, headers: [("origin", origin)])
        #expect(created.header("access-control-allow-origin") == origin)
        let refused = try await api.post("/conversations", json: ["title": "T"], token: nil, headers: [("origin", origin)])
        #expect(refused.status == 401)
        #expect(refused.header("access-control-allow-origin") == origin)
        let token = try #require(try await api.shapeToken(table: "messages", params: ["conversationId": "c"], token: alice).1)
        let shape = try await api.shape([("offset", "-1")], token: token, headers: [("origin", origin)])
        #expect(shape.header("access-control-allow-origin") == origin)
        #expect(shape.header("access-control-expose-headers")?.contains("electric-handle") == true)
        #expect(shape.header("access-control-allow-origin") != "*")

        let metrics = try await HTTP.send(server.baseURL + "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("qactl_http_requests_total{"))
        #expect(metrics.body.contains("route=\"/conversations\""))
        #expect(metrics.body.contains("qactl_http_request_duration_seconds_bucket"))
        #expect(metrics.body.contains("qactl_shapes 1"))
        #expect(metrics.body.contains("qactl_shape_live_polls"))
        #expect(!metrics.body.contains(alice))
        try await server.stop()
    }

    @Test func logsAreStructuredAndNeverCarryTokens() async throws {
        let server = try await ServeProcess.start(dataDirectory: dir.path, arguments: ["--log-format", "json", "--log-level", "info"])
        let api = ServerAPI(server: server)
        let alice = try await api.authToken("alice")
        try await api.conversation("c", token: alice)
        let token = try #require(try await api.shapeToken(table: "messages", params: ["conversationId": "c"], token: alice).1)
        _ = try await api.shape([("offset", "-1")], token: token)
        _ = try await api.post("/conversations", json: ["title": "x"], token: "not-a-token")
        try await server.stop()
        let lines = server.stderr.split(separator: "\n").map(String.init)
        let requests = lines.compactMap { line -> [String: String]? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String] else { return nil }
            return object["message"] == "request" ? object : nil
        }
        #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil }, "every line is JSON")
        let routes = requests.map { "\($0["method"] ?? "") \($0["route"] ?? "") \($0["status"] ?? "")" }
        #expect(routes.contains("POST /conversations 201"))
        #expect(routes.contains("POST /shapes/auth-token 200"))
        #expect(routes.contains("GET /shape 200"))
        #expect(routes.contains("POST /conversations 401"))
        #expect(requests.allSatisfy { $0["request_id"] != nil && $0["duration_ms"] != nil && $0["level"] == "info" })
        #expect(!server.stderr.contains(alice))
        #expect(!server.stderr.contains(token))
        #expect(!server.stderr.contains("not-a-token"))
    }
}
