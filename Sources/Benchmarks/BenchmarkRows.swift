/// What the scenarios write and sync: a fixed timestamp and the messages
/// shape of one conversation.
enum BenchmarkRows {
    static func now() -> String {
        "2026-11-29 10:00:00.000000+00"
    }

    /// The query string of the messages shape of one conversation.
    static func messagesQuery(_ conversation: String) -> String {
        "table=messages&where=conversation_id%20%3D%20%241&params%5B1%5D=\(conversation)"
    }
}
