import Testing
@testable import QACtlSync

/// Which failures the outbox retries, how long it waits, and which it gives up on.
struct OutboxRetryPolicyTests {
    let policy = OutboxRetryPolicy()

    func error(_ status: Int, _ code: String, retryAfter: Duration? = nil) -> APIError {
        APIError(code: code, message: "", status: status, retryAfter: retryAfter)
    }

    @Test(arguments: [(0, "network_error"), (408, "request_timeout"), (429, "rate_limited"), (500, "internal"), (502, "bad_gateway"), (503, "unavailable")])
    func transientFailuresAreRetriedWithinTheSchedule(status: Int, code: String) {
        for attempt in 0..<10 {
            guard case .retry(let delay) = policy.decision(after: error(status, code), attempt: attempt, previousWasUnauthorized: false) else {
                Issue.record("\(status) was not retried")
                return
            }
            // Full jitter under 1 s · 2ⁿ, never above 60 s.
            #expect(delay >= .zero && delay <= min(.seconds(1 << attempt), .seconds(60)))
        }
    }

    @Test func retryAfterIsAFloor() {
        for attempt in 0..<5 {
            let decision = policy.decision(after: error(503, "unavailable", retryAfter: .seconds(7)), attempt: attempt, previousWasUnauthorized: false)
            guard case .retry(let delay) = decision else {
                Issue.record("503 was not retried")
                return
            }
            #expect(delay >= .seconds(7))
        }
    }

    @Test(arguments: [(400, "invalid_request"), (403, "forbidden"), (404, "not_found"), (409, "conflict"), (413, "payload_too_large"), (422, "unprocessable")])
    func refusalsAreDeadLettered(status: Int, code: String) {
        #expect(policy.decision(after: error(status, code), attempt: 0, previousWasUnauthorized: false) == .deadLetter)
    }

    @Test func a401IsRetriedOnceWithAFreshTokenThenDeadLettered() {
        #expect(policy.decision(after: error(401, "unauthorized"), attempt: 0, previousWasUnauthorized: false) == .retry(after: .zero))
        #expect(policy.decision(after: error(401, "unauthorized"), attempt: 1, previousWasUnauthorized: true) == .deadLetter)
    }

    @Test func anErrorOfTheDeliverFunctionItselfIsRetried() {
        struct Offline: Error {}
        guard case .retry = policy.decision(after: Offline(), attempt: 0, previousWasUnauthorized: false) else {
            Issue.record("not retried")
            return
        }
    }
}
