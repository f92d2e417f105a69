import Foundation

/// One row of a synced table: column name → value in Postgres text form, or SQL `NULL`.
///
/// Electric sends every value as a JSON string (or `null`); types come from the
/// `electric-schema` header. `Row` keeps that text and offers typed readers that
/// accept every form Electric emits (`t`/`true` for booleans, and so on).
///
/// ```swift
/// let row: Row = ["id": "q-1", "role": "user", "deleted_at": nil]
/// row["role"]            // "user"
/// row.isNull("deleted_at") // true
/// row.bool("archived")   // nil: no such column
/// ```
public struct Row: Sendable, Hashable, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// Every column present in the row; a `nil` value is SQL `NULL`.
    public private(set) var values: [String: String?]

    /// A row from column values (`nil` for `NULL`).
    public init(_ values: [String: String?] = [:]) {
        self.values = values
    }

    public init(dictionaryLiteral elements: (String, String?)...) {
        var values: [String: String?] = [:]
        for (column, value) in elements { values[column] = .some(value) }
        self.values = values
    }

    /// The column's text, or nil when it is `NULL` or absent.
    public subscript(column: String) -> String? {
        get { values[column] ?? nil }
        set { values[column] = .some(newValue) }
    }

    /// Column names present in the row (including those that are `NULL`).
    public var columns: Dictionary<String, String?>.Keys { values.keys }

    /// Whether the row carries `column` at all (as a value or as `NULL`).
    public func has(_ column: String) -> Bool { values[column] != nil }

    /// Whether `column` is present and `NULL`.
    public func isNull(_ column: String) -> Bool {
        if case .some(.none) = values[column] { return true }
        return false
    }

    /// A boolean column: `t`/`true`/`f`/`false` (any case), as Postgres and Electric write them.
    public func bool(_ column: String) -> Bool? {
        switch self[column]?.lowercased() {
        case "t", "true": true
        case "f", "false": false
        default: nil
        }
    }

    /// An integer column (`int2`, `int4`, `int8`).
    public func int(_ column: String) -> Int64? { self[column].flatMap { Int64($0) } }

    /// A floating-point or numeric column.
    public func double(_ column: String) -> Double? { self[column].flatMap { Double($0) } }

    /// A `timestamptz` column in Postgres text form (`2026-11-29 10:00:00.123456+00`).
    public func date(_ column: String) -> Date? { self[column].flatMap(PostgresTimestamp.parse) }

    /// This row with `changes` laid over it: how an update's partial value applies.
    public func merging(_ changes: Row) -> Row {
        var merged = values
        for (column, value) in changes.values { merged[column] = .some(value) }
        return Row(merged)
    }

    /// Removes `column` from the row.
    public mutating func removeColumn(_ column: String) {
        values[column] = nil
    }

    public var description: String {
        let parts = values.keys.sorted().map { column in "\(column): \(self[column].map { "\"\($0)\"" } ?? "null")" }
        return "[" + parts.joined(separator: ", ") + "]"
    }
}

/// Parses the text form of `timestamptz`.
enum PostgresTimestamp {
    /// `YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM]|Z]`; a `T` separator is accepted too.
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[from..<(from + count)] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offsetSeconds = 0
        if index < bytes.count {
            let sign = bytes[index]
            if sign == UInt8(ascii: "Z") {
                offsetSeconds = 0
            } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                guard let hours = number(index + 1, 2) else { return nil }
                var minutes = 0
                if index + 3 < bytes.count {
                    let start = bytes[index + 3] == UInt8(ascii: ":") ? index + 4 : index + 3
                    minutes = number(start, 2) ?? 0
                }
                offsetSeconds = (hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
            } else {
                return nil
            }
        }
        var components = DateComponents()
        components.calendar = Calendar(identifier: .gregorian)
        components.timeZone = TimeZone(secondsFromGMT: 0)
        (components.year, components.month, components.day) = (year, month, day)
        (components.hour, components.minute, components.second) = (hour, minute, second)
        guard let whole = components.date else { return nil }
        return whole.addingTimeInterval(fraction - Double(offsetSeconds))
    }
}
