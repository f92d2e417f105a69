import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Server

/// The web console's pages and files, and the inspector's API, in process.
struct ConsoleRouteTests {
    @Test func pagesAndFilesAreServedWithAStrictPolicyAndRevalidation() async throws {
        let fixture = try await RouterFixture()
        try await fixture.test { client in
            var etag: String?
            for (path, type, marker) in [
                ("/", "text/html; charset=utf-8", "<script type=\"module\" src=\"/console/app.js\">"),
                ("/inspect", "text/html; charset=utf-8", "/console/inspect.js"),
                ("/console/app.js", "text/javascript; charset=utf-8", "new ConsoleApp().start()"),
                ("/console/console.css", "text/css; charset=utf-8", "prefers-color-scheme: dark"),
            ] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .ok, "\(path)")
                    #expect(response.headers[.contentType] == type, "\(path)")
                    #expect(response.text.contains(marker), "\(path)")
                    let policy = response.headers[.contentSecurityPolicy] ?? ""
                    #expect(policy.contains("script-src 'self'") && policy.contains("default-src 'none'") && !policy.contains("unsafe"), "\(path): \(policy)")
                    #expect(response.headers[.cacheControl] == "no-cache")
                    #expect(response.headers[.xContentTypeOptions] == "nosniff")
                    if path == "/console/app.js" { etag = response.headers[.eTag] }
                }
            }
            // HEAD: the same status and headers, no body.
            for path in ["/", "/inspect", "/console/app.js"] {
                try await client.execute(uri: path, method: .head) { response in
                    #expect(response.status == .ok, "HEAD \(path)")
                    #expect(response.body.readableBytes == 0, "HEAD \(path)")
                    #expect(response.headers[.contentSecurityPolicy] != nil && response.headers[.eTag] != nil, "HEAD \(path)")
                    #expect(Int(response.headers[.contentLength] ?? "") ?? 0 > 100, "HEAD \(path): \(response.headers)")
                }
            }
            try await client.execute(uri: "/console/nothing.js", method: .head) { response in
                #expect(response.status == .notFound)
            }
            let tag = try #require(etag)
            try await client.execute(uri: "/console/app.js", method: .get, headers: [.ifNoneMatch: tag]) { response in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/console/app.js", method: .get, headers: [.ifNoneMatch: "\"stale\""]) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/console/secrets.json", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.cacheControl] == "no-store")
            }
        }
    }

    @Test func noPageHasInlineScriptOrStyleAndTheAssetsStaySmall() {
        var total = 0
        for (name, text) in ConsoleAssets.sources {
            total += text.utf8.count
            guard name.hasSuffix(".html") else { continue }
            #expect(text.range(of: #"<script(?![^>]*\bsrc=)"#, options: .regularExpression) == nil, "\(name) has an inline script")
            #expect(!text.contains("<style") && !text.contains(" style="), "\(name) has inline style")
            #expect(text.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil, "\(name) has an inline event handler")
        }
        #expect(total <= 100 * 1024, "the console's files are \(total) bytes")
    }

    @Test func theInspectorIsClosedWithoutASecretAndAnswersOnlyToIt() async throws {
        let fixture = try await RouterFixture()
        try await fixture.test { client in
            try await client.execute(uri: "/inspect/api/overview", method: .get, headers: [.authorization: "Bearer anything"]) { response in
                #expect(response.status == .forbidden)
                #expect((response.error?["message"] as? String)?.contains("--sync-secret") == true)
            }
        }
        let alice = try await fixture.token("alice")
        try await RouterFixture().test(inspectorSecret: "s3cret") { client in
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong"], [.authorization: "Bearer \(alice)"]] {
                try await client.execute(uri: "/inspect/api/shapes", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized, "\(headers)")
                }
            }
            try await client.execute(uri: "/inspect/api/overview", method: .get, headers: [.authorization: "Bearer s3cret"]) { response in
                #expect(response.status == .ok)
                #expect(response.json["store"] as? String == "sqlite")
                #expect((response.json["sync"] as? [String: Any])?["caughtUp"] as? Bool == true)
                #expect(response.headers[.cacheControl] == "no-store")
                // Request counts per route: the three refusals above are errors, in the last minute.
                let routes = response.json["requests"] as? [[String: Any]] ?? []
                let shapes = routes.first { $0["route"] as? String == "/inspect/api/shapes" }
                #expect(shapes?["requests"] as? Int == 3 && shapes?["errors"] as? Int == 3 && shapes?["lastMinute"] as? Int == 3, "\(routes)")
            }
            try await client.execute(uri: "/inspect/api/shapes/nope", method: .get, headers: [.authorization: "Bearer s3cret"]) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func theInspectorShowsShapesTheirRowsTheTimelineAndClients() async throws {
        let fixture = try await RouterFixture()
        let alice = try await fixture.token("alice")
        let secret: HTTPFields = [.authorization: "Bearer s3cret"]
        try await fixture.test(inspectorSecret: "s3cret") { client in
            try await client.execute(uri: "/conversations", method: .post, headers: bearer(alice), body: ByteBuffer(string: #"{"id":"c-1","title":"First"}"#)) { _ in }
            var shapeToken = ""
            try await client.execute(uri: "/shapes/auth-token", method: .post, headers: bearer(alice), body: ByteBuffer(string: #"{"table":"messages","params":{"conversationId":"c-1"}}"#)) { response in
                shapeToken = response.json["token"] as? String ?? ""
            }
            var handle = ""
            try await client.execute(uri: "/shape?offset=-1", method: .get, headers: [.authorization: "Bearer \(shapeToken)"]) { response in
                handle = response.headers[HTTPField.Name("electric-handle")!] ?? ""
            }
            var txid = 0
            try await client.execute(uri: "/questions/send", method: .post, headers: bearer(alice),
                                     body: ByteBuffer(string: #"{"conversationId":"c-1","questionId":"q-1","answerId":"a-1","content":"Why?"}"#)) { response in
                txid = response.json["txid"] as? Int ?? 0
            }
            // Read the send through the shape, so the timeline has a delivery.
            var applied = false
            for _ in 0..<100 where !applied {
                try await client.execute(uri: "/shape?offset=0_inf&handle=\(handle)", method: .get, headers: [.authorization: "Bearer \(shapeToken)"]) { response in
                    applied = response.text.contains("q-1")
                }
                if !applied { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(applied)
            try await client.execute(uri: "/inspect/api/shapes", method: .get, headers: secret) { response in
                let shapes = response.json["shapes"] as? [[String: Any]] ?? []
                let shape = shapes.first { $0["handle"] as? String == handle }
                #expect(shape?["table"] as? String == "messages")
                #expect(shape?["where"] as? String == "conversation_id = $1")
                #expect(shape?["params"] as? [String] == ["c-1"])
                #expect(shape?["rows"] as? Int == 2)
                #expect(shape?["logEntries"] as? Int == 2)
            }
            try await client.execute(uri: "/inspect/api/shapes/\(handle)", method: .get, headers: secret) { response in
                let rows = response.json["rows"] as? [[String: Any]] ?? []
                #expect(rows.compactMap { ($0["value"] as? [String: Any])?["id"] as? String }.sorted() == ["a-1", "q-1"])
                #expect((response.json["log"] as? [[String: Any]])?.count == 2)
            }
            try await client.execute(uri: "/inspect/api/transactions", method: .get, headers: secret) { response in
                let records = response.json["transactions"] as? [[String: Any]] ?? []
                let send = records.first { $0["txid"] as? Int == txid }
                #expect(send?["tables"] as? [String: Int] == ["messages": 2, "conversations": 1], "the question, its answer, and the conversation's updated_at")
                #expect(send?["firstDeliveredAtMilliseconds"] is Int, "delivered by the read above: \(String(describing: send))")
            }
            try await client.execute(uri: "/inspect/api/clients", method: .get, headers: secret) { response in
                let clients = response.json["clients"] as? [[String: Any]] ?? []
                #expect(clients.contains { $0["user"] as? String == "alice" && $0["table"] as? String == "messages" && $0["handle"] as? String == handle })
            }
        }
    }
}

extension ConsoleRouteTests {
    @Test func theTimelineKeepsTheLast200TransactionsNewestFirst() async throws {
        let fixture = try await RouterFixture()
        let alice = try await fixture.token("alice")
        try await fixture.test(inspectorSecret: "s3cret") { client in
            var last = 0
            for index in 0..<230 {
                try await client.execute(uri: "/conversations", method: .post, headers: bearer(alice), body: ByteBuffer(string: #"{"id":"c-\#(index)","title":"t"}"#)) { response in
                    last = response.json["txid"] as? Int ?? last
                }
            }
            var records: [[String: Any]] = []
            for _ in 0..<200 where records.first?["txid"] as? Int != last {
                try await client.execute(uri: "/inspect/api/transactions", method: .get, headers: [.authorization: "Bearer s3cret"]) { response in
                    records = response.json["transactions"] as? [[String: Any]] ?? []
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(records.count == 200)
            #expect(records.first?["txid"] as? Int == last)
            #expect(records.last?["txid"] as? Int == last - 199)
        }
    }
}

/// `qactl inspect`'s tables, from the API's JSON.
struct InspectionReportTests {
    @Test func viewsAreAlignedTablesWithReadableCells() {
        let transactions: [String: Any] = ["transactions": [
            ["txid": 2, "tables": ["messages": 2, "conversations": 1], "rows": 3, "shapes": 1, "commitToAppliedMs": 4, "commitToDeliveredMs": 5],
            ["txid": 1, "tables": ["conversations": 1], "rows": 1, "shapes": 0, "commitToAppliedMs": 4, "commitToDeliveredMs": NSNull()],
        ]]
        #expect(InspectionReport.lines(.transactions, json: transactions) == [
            "txid  tables                       rows  shapes  commit→applied ms  commit→delivered ms",
            "2     conversations 1, messages 2  3     1       4                  5",
            "1     conversations 1              1     0       4                  —",
        ])
        #expect(InspectionReport.lines(.clients, json: ["clients": []]) == ["(none)"])
        let overview = InspectionReport.lines(.overview, json: ["store": "sqlite", "clients": 0, "sync": ["shapes": 3, "caughtUp": true]])
        #expect(overview.contains("caughtUp                  yes"))
        #expect(overview.contains("shapes                    3"))
    }
}
