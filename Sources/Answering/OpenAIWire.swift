import Foundation

/// The JSON of the chat completions API, as much of it as qactl sends and reads.
enum OpenAIWire {
    /// One message of the conversation sent to the model.
    struct Message: Codable, Equatable, Sendable {
        var role: String
        var content: String
    }

    /// The request body of `POST /chat/completions`.
    struct Request: Encodable {
        var model: String
        var messages: [Message]
        var stream: Bool
    }

    /// What one streamed event carried.
    enum EventContent: Equatable {
        /// A piece of the answer (possibly empty: role-only and usage chunks carry no text).
        case text(String)
        /// The server reported an error inside the stream.
        case error(String)
    }

    /// Reads one `data:` payload of the stream (or a whole non-streamed completion): the text
    /// in `choices[0].delta.content` (or `.message.content`), or the error it reports. Unknown
    /// fields are ignored; nil when the payload is not a JSON object.
    static func content(ofEvent data: String) -> EventContent? {
        guard let object = jsonObject(Data(data.utf8)) else { return nil }
        if let error = object["error"], !(error is NSNull) {
            return .error(errorMessage(in: object) ?? "unknown error")
        }
        guard let choices = object["choices"] as? [Any], let first = choices.first as? [String: Any] else {
            return .text("")
        }
        for key in ["delta", "message"] {
            if let part = first[key] as? [String: Any], let text = part["content"] as? String {
                return .text(text)
            }
        }
        return .text("")
    }

    /// The message of an error body: `{"error":{"message":…}}`, `{"error":"…"}`, `{"message":…}`
    /// or `{"detail":…}`, whichever the server speaks.
    static func errorMessage(in object: [String: Any]) -> String? {
        if let error = object["error"] as? [String: Any], let message = error["message"] as? String { return message }
        if let error = object["error"] as? String { return error }
        if let message = object["message"] as? String { return message }
        if let detail = object["detail"] as? String { return detail }
        return nil
    }

    /// What a non-2xx response body says, shortened to one line for the answer row.
    static func errorMessage(inBody body: Data) -> String? {
        if let object = jsonObject(body), let message = errorMessage(in: object) {
            return oneLine(message)
        }
        let text = oneLine(String(decoding: body, as: UTF8.self))
        return text.isEmpty ? nil : text
    }

    private static func jsonObject(_ data: Data) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// Whitespace collapsed and cut at 300 characters: an HTML error page should not become the answer.
    static func oneLine(_ text: String, limit: Int = 300) -> String {
        let words = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return words.count > limit ? String(words.prefix(limit)) + "…" : words
    }
}
