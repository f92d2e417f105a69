import Foundation
import ShapeWire
/// The API's write rules (README, "The API, by hand"), decided once for every store: a store
/// reads the facts inside its write transaction, asks these rules, and
/// carries out the verdict. Nothing here touches a database.
public enum WriteRules {
    /// A write request: identified by (kind, id), fingerprinted by what it would write.
    public struct Request: Sendable, Equatable {
        public let kind: String
        public let id: String
        public let user: String
        /// Equal for the same request sent again, different for anything else.
        public let fingerprint: String
        /// What an earlier version recorded for the same request (conversations
        /// were keyed on the user alone), still taken as a repeat.
        public var legacyFingerprint: String?

        /// `POST /conversations`: the same id, user and title again is a repeat.
        public static func conversation(id: String, user: String, title: String) -> Request {
            Request(kind: "conversation", id: id, user: user, fingerprint: fingerprint([user, title]), legacyFingerprint: fingerprint([user]))
        }

        /// `POST /questions/send`, keyed by the question id.
        public static func question(id: String, user: String, conversation: String, answerID: String, content: String) -> Request {
            Request(kind: "question", id: id, user: user, fingerprint: fingerprint([user, conversation, answerID, content]))
        }

        /// Lengths keep ("ab", "c") and ("a", "bc") apart.
        static func fingerprint(_ parts: [String]) -> String {
            parts.map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
        }
    }

    /// What a store recorded when it carried out a request.
    public struct EarlierRequest: Sendable {
        public let user: String
        public let fingerprint: String
        public let txid: UInt64

        public init(user: String, fingerprint: String, txid: UInt64) {
            self.user = user
            self.fingerprint = fingerprint
            self.txid = txid
        }
    }

    /// A request with the (kind, id) of an earlier one: the same request gets
    /// the original result and txid back (nothing is written), anything else
    /// is a conflict. `row` is the earlier result as it is now.
    public static func repeatOf<Row: Sendable>(_ request: Request, earlier: EarlierRequest, row: Row?) -> WriteOutcome<Row> {
        let sameRequest = earlier.fingerprint == request.fingerprint || (request.legacyFingerprint.map { $0 == earlier.fingerprint } ?? false)
        guard earlier.user == request.user else {
            return .conflict("\(request.kind) id \(request.id) is taken (another user sent it); use a new id")
        }
        guard sameRequest else {
            return .conflict("\(request.kind) \(request.id) was already sent with different content")
        }
        guard let row else { return .conflict("\(request.kind) \(request.id) was sent before but is gone") }
        return .repeated(row, txid: earlier.txid)
    }

    /// What creating a conversation does.
    public enum ConversationVerdict: Sendable, Equatable {
        case insert
        /// The user's own conversation, made outside the API: theirs again,
        /// with nothing new to wait for (txid 0 is in every snapshot).
        case alreadyTheirs
        case taken(String)
    }

    public static func createConversation(_ request: Request, existingOwner: String?) -> ConversationVerdict {
        guard let owner = existingOwner else { return .insert }
        return owner == request.user ? .alreadyTheirs : .taken("conversation id \(request.id) is taken")
    }

    /// What sending a question does.
    public enum QuestionVerdict: Sendable, Equatable {
        case insert
        /// Not the caller's conversation (or none): refused like a missing one.
        case forbidden
        case conflict(String)

        /// What the store answers instead of inserting; nil to insert.
        public func refusal<Row: Sendable>(as row: Row.Type = Row.self) -> WriteOutcome<Row>? {
            switch self {
            case .insert: nil
            case .forbidden: .forbidden
            case .conflict(let reason): .conflict(reason)
            }
        }
    }

    /// `taken`: which of the question and answer ids already name a message.
    public static func sendQuestion(
        _ request: Request, answerID: String, conversationOwner: String?, taken: [String]
    ) -> QuestionVerdict {
        guard conversationOwner == request.user else { return .forbidden }
        guard taken.isEmpty, request.id != answerID else { return .conflict("message id \(taken.first ?? answerID) is already used") }
        return .insert
    }

    /// The question's and its answer placeholder's timestamps: the
    /// placeholder 1 µs after the question, so it sorts right after it.
    public static func questionTimes(now: Date) -> (asked: String, placed: String) {
        let micros = Int64((now.timeIntervalSince1970 * 1_000_000).rounded(.down))
        return (PostgresText.timestamp(microsecondsSinceEpoch: micros), PostgresText.timestamp(microsecondsSinceEpoch: micros + 1))
    }
}
