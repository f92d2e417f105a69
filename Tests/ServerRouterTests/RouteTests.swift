import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Every route, in process: what it answers, and what it refuses.
struct RouteTests {
    @Test func healthAndMetrics() async throws {
        let fixture = try await RouterFixture()
        try await fixture.test { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text == #"{"status":"ok"}"#)
                #expect(response.headers[.cacheControl] == "no-store")
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("qactl_shapes"))
            }
            try await client.execute(uri: "/nope", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.error?["code"] as? String == "not_found")
            }
        }
    }

    @Test func conversationsAreCreatedOnceAndValidated() async throws {
        let fixture = try await RouterFixture()
        let alice = try await fixture.token("alice")
        try await fixture.test { client in
            let body = ByteBuffer(string: #"{"id":"c-1","title":"  First  "}"#)
            var txid: Int?
            try await client.execute(uri: "/conversations", method: .post, headers: bearer(alice), body: body) { response in
                #expect(response.status == .created)
                let conversation = response.json["conversation"] as? [String: Any]
                #expect(conversation?["title"] as? String == "First")
                #expect(conversation?["user_id"] as? String == "alice")
                txid = response.json["txid"] as? Int
                #expect(txid != nil)
            }
            try await client.execute(uri: "/conversations", method: .post, headers: bearer(alice), body: body) { response in
                #expect(response.status == .created)
                #expect(response.json["txid"] as? Int == txid, "a repeat answers the original txid")
            }
            try await client.execute(uri: "/conversations", method: .post, headers: bearer(alice), body: ByteBuffer(string: #"{"id":"c-1","title":"Other"}"#)) { response in
                #expect(response.status == .conflict)
            }
            for (bad, field) in [(#"{"title":5}"#, "title"), (#"{"id":"a b","title":"x"}"#, "id"), ("[]", "JSON object"), (#"{}"#, "title")] {
                try await client.execute(uri: "/conversations", method: .post, headers: bearer(alice), body: ByteBuffer(string: bad)) { response in
                    #expect(response.status == .badRequest, "\(bad)")
                    #expect((response.error?["message"] as? String)?.contains(field) == true, "\(bad): \(response.text)")
                }
            }
            try await client.execute(uri: "/conversations", method: .post, body: body) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
            }
        }
    }

    @Test func questionsAreSentOnceAndQueueTheirAnswer() async throws {
        let fixture = try await RouterFixture()
        let (alice, bob) = (try await fixture.token("alice"), try await fixture.token("bob"))
        try await fixture.test { client in
            try await client.execute(uri: "/conversations", method: .post, headers: bearer(alice), body: ByteBuffer(string: #"{"id":"c-1","title":"T"}"#)) { _ in }
            let question = ByteBuffer(string: #"{"conversationId":"c-1","questionId":"q-1","answerId":"a-1","content":"Hi?"}"#)
            try await client.execute(uri: "/questions/send", method: .post, headers: bearer(alice), body: question) { response in
                #expect(response.status == .ok)
                #expect(response.json["success"] as? Bool == true)
                #expect(response.json["txid"] as? Int != nil)
            }
            try await client.execute(uri: "/questions/send", method: .post, headers: bearer(bob), body: question) { response in
                #expect(response.status == .conflict, "another user's repeat of the same id")
            }
            let bobs = ByteBuffer(string: #"{"conversationId":"c-1","questionId":"q-2","answerId":"a-2","content":"Mine?"}"#)
            try await client.execute(uri: "/questions/send", method: .post, headers: bearer(bob), body: bobs) { response in
                #expect(response.status == .forbidden)
            }
        }
        #expect(fixture.questions.recorded == ["a-1"])
    }

    @Test func shapeTokensAndTheGatekeeper() async throws {
        let fixture = try await RouterFixture()
        let alice = try await fixture.token("alice")
        try await fixture.test { client in
            try await client.execute(uri: "/conversations", method: .post, headers: bearer(alice), body: ByteBuffer(string: #"{"id":"c-1","title":"T"}"#)) { _ in }
            var shapeToken = ""
            let request = ByteBuffer(string: #"{"table":"messages","params":{"conversationId":"c-1"}}"#)
            try await client.execute(uri: "/shapes/auth-token", method: .post, headers: bearer(alice), body: request) { response in
                #expect(response.status == .ok)
                let shape = response.json["shape"] as? [String: Any]
                #expect(shape?["where"] as? String == "conversation_id = $1")
                #expect(shape?["params"] as? [String] == ["c-1"])
                shapeToken = response.json["token"] as? String ?? ""
            }
            try await client.execute(uri: "/shapes/auth-token", method: .post, headers: bearer(alice), body: ByteBuffer(string: #"{"table":"messages","params":{"conversationId":"c-2"}}"#)) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/shapes/auth-token", method: .post, headers: bearer(alice), body: ByteBuffer(string: #"{"table":"messages","params":{"conversationId":1}}"#)) { response in
                #expect(response.status == .badRequest)
                #expect((response.error?["message"] as? String)?.contains("params") == true, "\(response.text)")
            }
            // The gatekeeper: the shape of the token, whatever the client asks for.
            try await client.execute(uri: "/shape?offset=-1&table=conversations&where=true", method: .get, headers: [.authorization: "Bearer \(shapeToken)"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("electric-schema")!]?.contains("conversation_id") == true)
                #expect(response.headers[values: .vary].contains("authorization"))
            }
            try await client.execute(uri: "/shape?offset=-1", method: .get, headers: [.authorization: "Bearer \(alice)"]) { response in
                #expect(response.status == .unauthorized, "an auth token is not a shape token")
            }
            try await client.execute(uri: "/shape", method: .options, headers: [.origin: "http://app.test"]) { response in
                #expect(response.status == .noContent, "a preflight needs no token")
                #expect(response.headers[.accessControlAllowOrigin] == "http://app.test")
            }
            // The sync service itself wants its secret.
            try await client.execute(uri: "/v1/shape?table=messages&offset=-1", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/shape?table=messages&offset=-1&secret=s3cret", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }
}
