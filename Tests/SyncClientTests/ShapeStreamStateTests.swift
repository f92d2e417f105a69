import Foundation
import ShapeWire
import Testing
@testable import QACtlSync
import QACtlTestSupport

/// The protocol state machine on hand-made answers.
struct ShapeStreamStateTests {
    private func answer(
        _ status: Int = 200, offset: String? = "0_0", handle: String? = "h1", schema: String? = #"{"id":{"type":"text","pk_index":0}}"#,
        cursor: String? = nil, upToDate: Bool = false, _ body: String = "[]", retryAfter: String? = nil
    ) -> HTTPAnswer {
        var headers: [String: String] = [:]
        headers["electric-offset"] = offset
        headers["electric-handle"] = handle
        headers["electric-schema"] = schema
        headers["electric-cursor"] = cursor
        headers["retry-after"] = retryAfter
        if upToDate { headers["electric-up-to-date"] = "" }
        return HTTPAnswer(status: status, headers: headers, body: Data(body.utf8))
    }

    private let row1 = #"{"key":"k1","value":{"id":"1"},"headers":{"operation":"insert"}}"#
    private let upToDate = #"{"headers":{"control":"up-to-date","global_last_seen_lsn":"7"}}"#

    @Test func snapshotThenCatchUpThenLiveWithCursor() throws {
        var state = ShapeStreamState(resume: nil)
        let initial = state.nextRequest()
        #expect(initial.query.map(\.0) == ["offset"] && initial.offset == "-1" && !initial.isLive)
        let snapshotEnd = #"{"headers":{"control":"snapshot-end","xmin":"5","xmax":"5","xip_list":[]}}"#
        #expect(try state.handle(answer(offset: "0_inf", "[\(row1),\(snapshotEnd)]"), to: initial) == .next)

        let catchUp = state.nextRequest()
        #expect(catchUp.offset == "0_inf" && catchUp.handle == "h1" && !catchUp.isLive)
        let action = try state.handle(answer(offset: "3_0", upToDate: true, "[\(upToDate)]"), to: catchUp)
        guard case .emit(.batch(let batch)) = action else {
            Issue.record("expected a batch, got \(action)")
            return
        }
        // The snapshot rows were held until the up-to-date, then delivered whole.
        #expect(batch.changes.map(\.key) == ["k1"])
        #expect(batch.replacesRows)
        #expect(batch.snapshots == [SnapshotBounds(xmin: 5, xmax: 5)])
        #expect(batch.globalLastSeenLSN == "7")
        #expect(batch.position == ShapePosition(handle: "h1", offset: Offset("3_0")!, schema: #"{"id":{"type":"text","pk_index":0}}"#))

        let live = state.nextRequest()
        #expect(live.isLive)
        #expect(live.query.contains { $0 == ("live", "true") } && live.query.contains { $0 == ("cursor", "") })
        let change = #"{"key":"k2","value":{"id":"2"},"headers":{"operation":"insert","txids":[9],"lsn":"4","op_position":0,"last":true}}"#
        guard case .emit(.batch(let next)) = try state.handle(answer(offset: "4_0", schema: nil, cursor: "1200", upToDate: true, "[\(change),\(upToDate)]"), to: live) else {
            Issue.record("expected a live batch")
            return
        }
        #expect(!next.replacesRows && next.txids == [9])
        #expect(state.nextRequest().query.contains { $0 == ("cursor", "1200") })
    }

    @Test func requiredHeadersAreChecked() throws {
        var state = ShapeStreamState(resume: nil)
        let request = state.nextRequest()
        for bad in [answer(offset: nil), answer(handle: nil), answer(schema: nil)] {
            #expect(throws: ShapeStreamError.self) { try state.handle(bad, to: request) }
        }
        var live = ShapeStreamState(resume: ShapePosition(handle: "h1", offset: Offset("3_0")!))
        _ = try live.handle(answer(offset: "3_0", upToDate: true, "[\(upToDate)]"), to: live.nextRequest())
        let error = #expect(throws: ShapeStreamError.self) { try live.handle(answer(offset: "3_0", schema: nil, cursor: nil), to: live.nextRequest()) }
        #expect(error?.kind == .missingHeaders)
        #expect(error?.message.contains("electric-cursor") == true)
    }

    @Test func a409ResetsNeverReusesTheHandleAndBustsCaches() throws {
        var state = ShapeStreamState(resume: ShapePosition(handle: "old", offset: Offset("3_0")!, schema: "{}"))
        let first = state.nextRequest()
        #expect(first.handle == "old")
        // Messages of the dead shape are dropped.
        _ = try state.handle(answer(offset: "3_2", handle: "old", "[\(row1)]"), to: first)
        let action = try state.handle(answer(409, offset: nil, handle: "new", schema: nil, #"[{"headers":{"control":"must-refetch"}}]"#), to: state.nextRequest())
        guard case .emit(.mustRefetch) = action else {
            Issue.record("expected must-refetch, got \(action)")
            return
        }
        let refetch = state.nextRequest()
        #expect(refetch.offset == "-1" && refetch.handle == nil && !refetch.isLive)
        #expect(refetch.query.contains { $0 == ("expired_handle", "old") })
        #expect(refetch.query.contains { $0.0 == "cache-buster" })
        // A cache still answering for the expired handle is asked again, past it.
        #expect(try state.handle(answer(offset: "0_0", handle: "old"), to: refetch) == .next)
        #expect(state.nextRequest().offset == "-1")
        guard case .emit(.batch(let batch)) = try state.handle(answer(offset: "0_0", handle: "new", upToDate: true, "[\(upToDate)]"), to: state.nextRequest()) else {
            Issue.record("expected the fresh batch")
            return
        }
        #expect(batch.replacesRows && batch.changes.isEmpty && batch.position.handle == "new")
    }

    @Test func anOutOfBoundsOffsetRefetchesAndOtherRefusalsAreTyped() throws {
        var state = ShapeStreamState(resume: ShapePosition(handle: "h", offset: Offset("9_0")!))
        let outOfBounds = answer(400, offset: nil, handle: nil, schema: nil, #"{"message":"Invalid request","errors":{"offset":["out of bounds for this shape"]}}"#)
        guard case .emit(.mustRefetch) = try state.handle(outOfBounds, to: state.nextRequest()) else {
            Issue.record("expected must-refetch")
            return
        }
        #expect(state.nextRequest().offset == "-1")
        let invalid = answer(400, offset: nil, handle: nil, schema: nil, #"{"message":"Invalid request","errors":{"where":["bad"]}}"#)
        #expect((#expect(throws: ShapeStreamError.self) { try state.handle(invalid, to: state.nextRequest()) })?.kind == .badRequest)
        #expect(try state.handle(answer(401), to: state.nextRequest()) == .refreshToken)
        #expect((#expect(throws: ShapeStreamError.self) { try state.handle(answer(403), to: state.nextRequest()) })?.status == 403)
        #expect(try state.handle(answer(429, retryAfter: "7"), to: state.nextRequest()) == .retry(retryAfter: .seconds(7)))
        #expect(try state.handle(answer(503), to: state.nextRequest()) == .retry(retryAfter: nil))
        #expect((#expect(throws: ShapeStreamError.self) { try state.handle(answer(418), to: state.nextRequest()) })?.kind == .unexpectedStatus)
    }

    @Test func backoffIsFullJitterWithRetryAfterAsAFloor() {
        let backoff = Backoff(initialDelay: .milliseconds(100), maxDelay: .seconds(1))
        for attempt in 0..<10 {
            let delay = backoff.delay(attempt: attempt)
            #expect(delay >= .zero && delay <= .seconds(1))
        }
        #expect(backoff.delay(attempt: 0, retryAfter: .seconds(3)) >= .seconds(3))
        #expect(Backoff.retryAfter("12") == .seconds(12))
        let now = Date(timeIntervalSince1970: 1_795_946_400)
        #expect(Backoff.retryAfter("Sun, 29 Nov 2026 10:00:30 GMT", now: now) == .seconds(30))
        #expect(Backoff.retryAfter("soon") == nil)
    }
}
