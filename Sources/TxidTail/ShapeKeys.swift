import Foundation
import QACtlSync

/// Reads a change's primary-key values, by the `pk_index` columns of the
/// shape's `electric-schema`. The row key itself (`"public"."messages"/"m-1"`)
/// is opaque to clients of Electric's shape protocol, so it is only the fallback.
///
/// ```swift
/// let keys = ShapeKeys(schema: #"{"id":{"type":"text","pk_index":0},"title":{"type":"text"}}"#)
/// keys.key(for: change)   // "c-1"
/// ```
public struct ShapeKeys: Sendable, Equatable {
    /// Primary-key columns in key order; empty when the schema did not say.
    public let columns: [String]

    /// Keys from the raw `electric-schema` JSON (nil or unreadable: row keys are shown as sent).
    public init(schema: String?) {
        guard let schema, let object = try? JSONSerialization.jsonObject(with: Data(schema.utf8)) as? [String: Any] else {
            columns = []
            return
        }
        columns = object.compactMap { name, field -> (String, Int)? in
            guard let field = field as? [String: Any], let index = field["pk_index"] else { return nil }
            // Electric sends a number; be lenient with a string.
            if let number = index as? Int { return (name, number) }
            if let text = index as? String, let number = Int(text) { return (name, number) }
            return nil
        }
        .sorted { $0.1 < $1.1 }
        .map(\.0)
    }

    /// The change's key values, `/`-joined for a composite key; the row key as
    /// sent when a key column is missing from the change.
    public func key(for change: ChangeMessage) -> String {
        guard !columns.isEmpty else { return change.key }
        var values: [String] = []
        for column in columns {
            guard let value = change.value[column] ?? change.oldValue?[column] else { return change.key }
            values.append(value)
        }
        return values.joined(separator: "/")
    }
}
