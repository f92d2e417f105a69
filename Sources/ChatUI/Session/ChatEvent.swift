/// One change between two ``ChatState``s, as the line modes report it:
/// plain mode prints a line per event, `--json` an object per event.
enum ChatEvent: Sendable, Equatable {
    case conversation(ConversationInfo)
    case connection(ConnectionStatus)
    /// A question shown optimistically, before the server has it.
    case optimistic(SendRecord)
    /// It waits in the outbox: the server could not be reached.
    case queued(SendRecord, reason: String)
    /// Its txid synced back.
    case confirmed(SendRecord, txid: UInt64, roundTrip: Duration)
    /// It failed; its rows are gone.
    case rolledBack(SendRecord, error: ChatError)
    /// A message appeared (optimistic, synced, or another client's).
    case message(ChatMessage)
    /// An answer's content grew by `text` (or, with `replaced`, is now `text`).
    case chunk(ChatMessage, text: String, replaced: Bool)
    /// A message's status changed (an answer streaming, completed or failed).
    case status(ChatMessage)
    /// A message went away (a rolled-back send).
    case removed(id: String)
    case notice(Notice)

    /// What changed from `old` to `new`; everything in `new` counts as new
    /// when `old` is nil. Several states may have passed in between: a send
    /// first seen already confirmed still reports `optimistic` first.
    static func changes(from old: ChatState?, to new: ChatState) -> [ChatEvent] {
        var events: [ChatEvent] = []
        let sameConversation = old?.conversation?.id == new.conversation?.id
        if let conversation = new.conversation, !sameConversation {
            events.append(.conversation(conversation))
        }
        if old?.connection != new.connection {
            events.append(.connection(new.connection))
        }

        var oldSends: [String: SendRecord] = [:]
        for send in old?.sends ?? [] { oldSends[send.questionID] = send }
        for send in new.sends {
            let before = oldSends[send.questionID]
            if before == nil { events.append(.optimistic(send)) }
            guard before?.phase != send.phase else { continue }
            switch send.phase {
            case .pending: break
            case .queued(let reason): events.append(.queued(send, reason: reason))
            case .confirmed(let txid, let roundTrip): events.append(.confirmed(send, txid: txid, roundTrip: roundTrip))
            case .failed(let error): events.append(.rolledBack(send, error: error))
            }
        }

        let oldMessages = sameConversation ? (old?.messages ?? []) : []
        var byID: [String: ChatMessage] = [:]
        for message in oldMessages { byID[message.id] = message }
        for message in new.messages {
            guard let before = byID[message.id] else {
                events.append(.message(message))
                continue
            }
            if message.content != before.content {
                if message.content.hasPrefix(before.content) {
                    events.append(.chunk(message, text: String(message.content.dropFirst(before.content.count)), replaced: false))
                } else {
                    events.append(.chunk(message, text: message.content, replaced: true))
                }
            }
            if message.status != before.status { events.append(.status(message)) }
        }
        let current = Set(new.messages.map(\.id))
        for message in oldMessages where !current.contains(message.id) {
            events.append(.removed(id: message.id))
        }

        let lastSeen = old?.notices.last?.id ?? -1
        for notice in new.notices where notice.id > lastSeen {
            events.append(.notice(notice))
        }
        return events
    }
}
