/// One `ORDER BY` term of a ``LiveQuery``.
///
/// `NULL`s (and values that do not parse as the kind) sort as Postgres sorts
/// them: last when ascending, first when descending.
///
/// ```swift
/// let newestFirst: [SortKey] = [.descending("created_at", as: .timestamp)]
/// let byTitle: [SortKey] = [.ascending("title")]
/// ```
public struct SortKey: Sendable, Hashable {
    /// How to compare a column's text.
    public enum Kind: Sendable, Hashable {
        /// By the text itself (Unicode order).
        case text
        /// As a number (`int*`, `float*`, `numeric`).
        case number
        /// As a `timestamptz` (any offset, any fraction length).
        case timestamp
    }

    /// The column sorted by.
    public let column: String
    /// Largest first.
    public let descending: Bool
    /// How values compare.
    public let kind: Kind

    /// A sort term; see also ``ascending(_:as:)`` and ``descending(_:as:)``.
    public init(column: String, descending: Bool = false, kind: Kind = .text) {
        self.column = column
        self.descending = descending
        self.kind = kind
    }

    /// Smallest first, `NULL`s last.
    public static func ascending(_ column: String, as kind: Kind = .text) -> SortKey {
        SortKey(column: column, descending: false, kind: kind)
    }

    /// Largest first, `NULL`s first.
    public static func descending(_ column: String, as kind: Kind = .text) -> SortKey {
        SortKey(column: column, descending: true, kind: kind)
    }

    /// The comparable form of `row`'s value.
    func value(of row: Row) -> SortValue {
        guard let text = row[column] else { return .null }
        switch kind {
        case .text: return .text(text)
        case .number: return Double(text).map(SortValue.number) ?? .null
        case .timestamp: return row.date(column).map { .number($0.timeIntervalSince1970) } ?? .null
        }
    }
}

/// A row's value for one sort key; `null` after every other value.
enum SortValue: Hashable, Comparable {
    case number(Double)
    case text(String)
    case null

    static func < (lhs: SortValue, rhs: SortValue) -> Bool {
        switch (lhs, rhs) {
        case (.number(let left), .number(let right)): left < right
        case (.text(let left), .text(let right)): left < right
        case (.null, _): false
        case (_, .null): true
        case (.number, .text): true
        case (.text, .number): false
        }
    }
}
