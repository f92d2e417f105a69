/// A conversation row as the API returns it.
public struct ConversationRow: Sendable, Codable, Equatable {
    public let id: String
    public let userID: String
    public let title: String
    public let createdAt: String
    public let updatedAt: String

    public init(id: String, userID: String, title: String, createdAt: String, updatedAt: String) {
        self.id = id
        self.userID = userID
        self.title = title
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, title
        case userID = "user_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
