import Foundation
@testable import ChatUI
import QACtlTestSupport

/// Messages and states for the tests of pure code.
enum Fixtures {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func message(
        _ id: String, _ role: ChatMessage.Role = .user, status: String = "completed", content: String = "",
        at offset: TimeInterval = 0, optimistic: Bool = false
    ) -> ChatMessage {
        ChatMessage(
            id: id, role: role, userID: "alice", status: status, content: content, createdAt: start.addingTimeInterval(offset),
            isOptimistic: optimistic)
    }

    static func state(_ messages: [ChatMessage] = [], sends: [SendRecord] = [], connection: ConnectionStatus = .live) -> ChatState {
        var state = ChatState(server: "http://127.0.0.1:8787", user: "alice")
        state.conversation = ConversationInfo(id: "c-1", title: "Questions")
        state.messages = messages
        state.sends = sends
        state.connection = connection
        return state
    }

    static func send(_ phase: SendRecord.Phase = .pending) -> SendRecord {
        SendRecord(questionID: "q-1", answerID: "a-1", conversationID: "c-1", content: "How do shapes work?", phase: phase)
    }
}
