import AppModel
import Testing

/// The write rules both stores follow, on values.
struct WriteRulesTests {
    let ask = WriteRules.Request.question(id: "q-1", user: "alice", conversation: "c-1", answerID: "a-1", content: "hi")

    @Test func aRepeatGetsTheOriginalTxidAndAnythingElseIsAConflict() {
        let earlier = WriteRules.EarlierRequest(user: "alice", fingerprint: ask.fingerprint, txid: 7)
        guard case .repeated("a-1", txid: 7) = WriteRules.repeatOf(ask, earlier: earlier, row: "a-1") else {
            Issue.record("the same request is a repeat")
            return
        }
        let edited = WriteRules.Request.question(id: "q-1", user: "alice", conversation: "c-1", answerID: "a-1", content: "hi!")
        guard case .conflict = WriteRules.repeatOf(edited, earlier: earlier, row: "a-1") else {
            Issue.record("other content is a conflict")
            return
        }
        let bob = WriteRules.Request.question(id: "q-1", user: "bob", conversation: "c-1", answerID: "a-1", content: "hi")
        guard case .conflict = WriteRules.repeatOf(bob, earlier: earlier, row: "a-1") else {
            Issue.record("another user is a conflict")
            return
        }
        guard case .conflict = WriteRules.repeatOf(ask, earlier: earlier, row: String?.none) else {
            Issue.record("a repeat whose row is gone is a conflict")
            return
        }
    }

    @Test func aConversationRecordedBeforeTitlesCountedIsStillARepeat() {
        let request = WriteRules.Request.conversation(id: "c", user: "alice", title: "T")
        let old = WriteRules.EarlierRequest(user: "alice", fingerprint: "5:alice", txid: 3)
        guard case .repeated(_, txid: 3) = WriteRules.repeatOf(request, earlier: old, row: "c") else {
            Issue.record("a retry of a conversation created by an earlier version is a repeat")
            return
        }
    }

    @Test func fingerprintsKeepTheirPartsApart() {
        #expect(WriteRules.Request.conversation(id: "c", user: "ab", title: "c") != WriteRules.Request.conversation(id: "c", user: "a", title: "bc"))
        #expect(WriteRules.Request.conversation(id: "c", user: "a", title: "T") != WriteRules.Request.conversation(id: "c", user: "a", title: "U"))
    }

    @Test func conversationsAndQuestionsFollowOwnership() {
        let create = WriteRules.Request.conversation(id: "c-1", user: "alice", title: "T")
        #expect(WriteRules.createConversation(create, existingOwner: nil) == .insert)
        #expect(WriteRules.createConversation(create, existingOwner: "alice") == .alreadyTheirs)
        #expect(WriteRules.createConversation(create, existingOwner: "bob") == .taken("conversation id c-1 is taken"))

        #expect(WriteRules.sendQuestion(ask, answerID: "a-1", conversationOwner: "alice", taken: []) == .insert)
        #expect(WriteRules.sendQuestion(ask, answerID: "a-1", conversationOwner: "bob", taken: []) == .forbidden)
        #expect(WriteRules.sendQuestion(ask, answerID: "a-1", conversationOwner: nil, taken: []) == .forbidden)
        #expect(WriteRules.sendQuestion(ask, answerID: "a-1", conversationOwner: "alice", taken: ["a-1"]) == .conflict("message id a-1 is already used"))
        #expect(WriteRules.sendQuestion(ask, answerID: "q-1", conversationOwner: "alice", taken: []) == .conflict("message id q-1 is already used"))
    }

    @Test func thePlaceholderSortsRightAfterItsQuestion() {
        let (asked, placed) = WriteRules.questionTimes(now: .init(timeIntervalSince1970: 1_764_000_000.5))
        #expect(asked < placed)
        #expect(asked.hasPrefix("2025-11-24 16:00:00.5"))
    }
}
