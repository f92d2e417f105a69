import Foundation
import NIOCore

extension BenchmarkScenario {
    /// `/questions/send` → its txid on a live `/shape` poll through the gatekeeper.
    static func sendToVisible(iterations: Int, postgresURL: String? = nil) async throws -> BenchmarkResult {
        try await BenchmarkServer.with(postgresURL: postgresURL) { bench in
            let client = bench.client
            let token = try await bench.server.authority.mintAuth(subject: "bench").token
            let auth = [("authorization", "Bearer \(token)"), ("content-type", "application/json")]
            _ = try await client.send("/conversations", method: .POST, headers: auth, body: #"{"id":"c-api","title":"Bench"}"#)
            let granted = try await client.send("/shapes/auth-token", method: .POST, headers: auth, body: #"{"table":"messages","params":{"conversationId":"c-api"}}"#)
            guard let object = try JSONSerialization.jsonObject(with: Data(granted.body.readableBytesView)) as? [String: Any],
                let shapeToken = object["token"] as? String
            else { throw BenchmarkError("no shape token: \(String(buffer: granted.body))") }
            let shapeAuth = [("authorization", "Bearer \(shapeToken)")]

            // Baselines: the send alone, and a loopback round trip.
            var sendOnly = Samples()
            var roundTrip = Samples()
            for index in 0..<max(30, iterations / 3) {
                let start = ContinuousClock.now
                _ = try await client.send("/questions/send", method: .POST, headers: auth, body: Self.question("b-\(index)"))
                sendOnly.add(ContinuousClock.now - start)
                let ping = ContinuousClock.now
                _ = try await client.get("/healthz")
                roundTrip.add(ContinuousClock.now - ping)
            }

            var state = (handle: "", offset: "-1", cursor: "")
            func shapePath(live: Bool) -> String {
                var path = "/shape?offset=\(state.offset)"
                if state.offset != "-1" { path += "&handle=\(state.handle)" }
                if live { path += "&live=true&cursor=\(state.cursor)" }
                return path
            }
            func advance(_ answer: BenchmarkClient.Answer) {
                state.handle = answer.headers["electric-handle"] ?? state.handle
                state.offset = answer.headers["electric-offset"] ?? state.offset
                state.cursor = answer.headers["electric-cursor"] ?? state.cursor
            }
            while true {
                let answer = try await client.get(shapePath(live: false), headers: shapeAuth)
                advance(answer)
                if answer.headers["electric-up-to-date"] != nil { break }
            }
            var samples = Samples()
            for index in 0..<iterations {
                let path = shapePath(live: true)
                let poll = Task { try await client.get(path, headers: shapeAuth) }
                try await Task.sleep(for: .milliseconds(3))
                let start = ContinuousClock.now
                let sent = try await client.send("/questions/send", method: .POST, headers: auth, body: Self.question("m-\(index)"))
                guard let reply = try JSONSerialization.jsonObject(with: Data(sent.body.readableBytesView)) as? [String: Any],
                    let txid = reply["txid"] as? Int
                else { throw BenchmarkError("send answered \(sent.status)") }
                var answer = try await poll.value
                advance(answer)
                // Answers of earlier questions may arrive first: poll on until this txid shows.
                while !String(buffer: answer.body).contains("\"txids\":[\(txid)]") {
                    answer = try await client.get(shapePath(live: true), headers: shapeAuth)
                    advance(answer)
                }
                samples.add(ContinuousClock.now - start)
            }
            let baseline = sendOnly.percentile(50) + roundTrip.percentile(50)
            let p50 = samples.percentile(50)
            let target: Double = postgresURL == nil ? 3 : 5
            return BenchmarkResult(
                scenario: postgresURL == nil ? "send-to-visible" : "pg-send-to-visible",
                summary: "/questions/send → its txid on a live /shape poll through the gatekeeper (\(postgresURL == nil ? "embedded store" : "PostgreSQL"))",
                figures: [.init(name: "p50", value: p50, unit: "ms"), .init(name: "p99", value: samples.percentile(99), unit: "ms"),
                          .init(name: "send_p50", value: sendOnly.percentile(50), unit: "ms")],
                baseline: .init(name: "send + loopback round trip (p50)", value: baseline, unit: "ms"),
                ratio: p50 / baseline, target: "p50 < \(Int(target)) ms", met: p50 < target)
        }
    }

    static func question(_ id: String) -> String {
        #"{"conversationId":"c-api","questionId":"q-\#(id)","answerId":"a-\#(id)","content":"How do I mint a shape token?"}"#
    }
}
