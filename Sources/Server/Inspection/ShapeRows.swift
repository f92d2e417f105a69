import Foundation

/// A shape's current rows, rebuilt from what it serves: its snapshot chunks,
/// then its log applied in order (insert, update merged into the row, delete),
/// as a client that synced it from the start holds them.
enum ShapeRows {
    /// Rows by key, in key order.
    static func materialize(snapshotChunks: [String], log: [String]) -> [(key: String, value: [String: Any])] {
        var messages: [[String: Any]] = []
        for chunk in snapshotChunks where !chunk.isEmpty {
            // A chunk is comma-joined messages, served inside brackets.
            messages += (try? JSONSerialization.jsonObject(with: Data(("[" + chunk + "]").utf8))) as? [[String: Any]] ?? []
        }
        for entry in log {
            if let message = (try? JSONSerialization.jsonObject(with: Data(entry.utf8))) as? [String: Any] { messages.append(message) }
        }
        return materialize(messages)
    }

    /// Rows by key from messages in the order a client applies them (control messages are skipped).
    static func materialize(_ messages: [[String: Any]]) -> [(key: String, value: [String: Any])] {
        var rows: [String: [String: Any]] = [:]
        func apply(_ message: [String: Any]) {
            guard let key = message["key"] as? String, let headers = message["headers"] as? [String: Any] else { return }
            let value = message["value"] as? [String: Any] ?? [:]
            switch headers["operation"] as? String {
            case "delete": rows[key] = nil
            case "update": rows[key] = (rows[key] ?? [:]).merging(value) { $1 }
            default: rows[key] = value
            }
        }
        messages.forEach(apply)
        return rows.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
