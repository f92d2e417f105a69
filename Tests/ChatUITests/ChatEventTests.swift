import Testing
@testable import ChatUI
import QACtlTestSupport

struct ChatEventTests {
    typealias F = Fixtures

    @Test func anOptimisticSendThenItsConfirmationThenTheStreamingAnswer() {
        let question = F.message("q-1", content: "How do shapes work?", optimistic: true)
        let placeholder = F.message("a-1", .assistant, status: "pending", at: 0.001, optimistic: true)
        let sent = F.state([question, placeholder], sends: [F.send()])
        let events = ChatEvent.changes(from: F.state(), to: sent)
        #expect(events == [.optimistic(F.send()), .message(question), .message(placeholder)])

        let confirmed = F.send(.confirmed(txid: 42, roundTrip: .milliseconds(84)))
        let synced = F.state(
            [F.message("q-1", content: "How do shapes work?"), F.message("a-1", .assistant, status: "streaming", content: "Shapes", at: 0.001)],
            sends: [confirmed])
        #expect(
            ChatEvent.changes(from: sent, to: synced) == [
                .confirmed(confirmed, txid: 42, roundTrip: .milliseconds(84)),
                .chunk(synced.messages[1], text: "Shapes", replaced: false), .status(synced.messages[1]),
            ])

        var done = synced
        done.messages[1] = F.message("a-1", .assistant, status: "completed", content: "Shapes are live.", at: 0.001)
        #expect(
            ChatEvent.changes(from: synced, to: done) == [.chunk(done.messages[1], text: " are live.", replaced: false), .status(done.messages[1])])
    }

    @Test func aRollbackReportsTheErrorAndTheRowsGoing() {
        let error = ChatError(.refused, "not sent: not allowed")
        let sent = F.state([F.message("q-1", optimistic: true), F.message("a-1", .assistant, status: "pending", at: 0.001, optimistic: true)], sends: [F.send()])
        let failed = F.state([], sends: [F.send(.failed(error))])
        #expect(ChatEvent.changes(from: sent, to: failed) == [.rolledBack(F.send(.failed(error)), error: error), .removed(id: "q-1"), .removed(id: "a-1")])
    }

    @Test func aQueuedSendIsReportedOnceAndCountsAsPending() {
        let queued = F.send(.queued(reason: "the server cannot be reached"))
        let waiting = F.state([F.message("q-1", optimistic: true)], sends: [queued])
        #expect(ChatEvent.changes(from: F.state(), to: waiting).prefix(2) == [.optimistic(queued), .queued(queued, reason: "the server cannot be reached")])
        #expect(ChatEvent.changes(from: waiting, to: waiting).isEmpty)
        #expect(waiting.pendingWrites == 1)
        // Delivered: sending again, no new event, still pending until it syncs back.
        let sending = F.state([F.message("q-1", optimistic: true)], sends: [F.send()])
        #expect(ChatEvent.changes(from: waiting, to: sending).isEmpty)
        #expect(sending.pendingWrites == 1)
    }

    @Test func aSendFirstSeenAlreadySettledStillReportsOptimisticFirst() {
        let confirmed = F.send(.confirmed(txid: 7, roundTrip: .milliseconds(3)))
        let events = ChatEvent.changes(from: F.state(), to: F.state(sends: [confirmed]))
        #expect(events == [.optimistic(confirmed), .confirmed(confirmed, txid: 7, roundTrip: .milliseconds(3))])
    }

    @Test func anotherConversationIsAllNewAndARewrittenAnswerIsReplaced() {
        let old = F.state([F.message("a-1", .assistant, content: "abc")])
        var other = F.state([F.message("x-1")])
        other.conversation = ConversationInfo(id: "c-2", title: "Other")
        #expect(ChatEvent.changes(from: old, to: other) == [.conversation(other.conversation!), .message(other.messages[0])])
        let rewritten = F.state([F.message("a-1", .assistant, content: "xyz")])
        #expect(ChatEvent.changes(from: old, to: rewritten) == [.chunk(rewritten.messages[0], text: "xyz", replaced: true)])
    }

    @Test func connectionChangesAndNewNoticesOnly() {
        var before = F.state(connection: .live)
        before.notices = [Notice(id: 0, date: F.start, text: "old", isError: false)]
        var after = before
        after.connection = .offline
        after.notices.append(Notice(id: 1, date: F.start, text: "new", isError: true))
        #expect(ChatEvent.changes(from: before, to: after) == [.connection(.offline), .notice(after.notices[1])])
    }
}
