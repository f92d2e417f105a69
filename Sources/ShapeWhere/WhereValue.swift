/// A non-NULL value read in a comparison domain. Both sides of a comparison are read
/// in the same domain, so `compare` only ever meets like with like.
enum WhereValue: Sendable {
    case integer(Int64)
    case exact(WhereDecimal)
    case float(Double)
    case bool(Bool)
    case text(String)
    /// A timestamp: microseconds since 1970 (``WhereTimestamp``), and its text as given.
    case instant(Int64, String)

    /// -1, 0 or 1; nil if the two are of different domains (which type checking rules out).
    func compare(_ other: WhereValue) -> Int? {
        switch (self, other) {
        case let (.integer(a), .integer(b)):
            return a < b ? -1 : (a == b ? 0 : 1)
        case let (.exact(a), .exact(b)):
            return a.compare(b)
        case let (.float(a), .float(b)):
            // Postgres treats NaN as equal to itself and greater than every other value.
            if a.isNaN || b.isNaN { return a.isNaN && b.isNaN ? 0 : (a.isNaN ? 1 : -1) }
            return a < b ? -1 : (a == b ? 0 : 1)
        case let (.bool(a), .bool(b)):
            return a == b ? 0 : (a ? 1 : -1)
        case let (.text(a), .text(b)):
            return Self.compareText(a, b)
        case let (.instant(a, _), .instant(b, _)):
            return a < b ? -1 : (a == b ? 0 : 1)
        default:
            return nil
        }
    }

    /// Byte order of the UTF-8 encodings, which is Unicode scalar order: what Postgres
    /// does under the "C" collation. Swift's own `==`/`<` on String use canonical
    /// equivalence (precomposed "é" equals "e" + combining accent), which no
    /// deterministic Postgres collation does, so they are deliberately not used.
    static func compareText(_ a: String, _ b: String) -> Int {
        if a.utf8.elementsEqual(b.utf8) { return 0 }
        return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
    }

    // MARK: - Reading text

    /// A row's value (Postgres output text) of a column of `type`, read in `domain`.
    /// Nil when it does not read, which evaluation treats as unknown, like NULL.
    static func read(_ text: String, as type: WhereColumnType, in domain: WhereDomain) -> WhereValue? {
        switch domain {
        case .integer:
            return integer(text).map(WhereValue.integer)
        case .exact:
            return WhereDecimal.parse(text).map(WhereValue.exact)
        case .float:
            if case .float(single: true) = type.kind {
                return (Float(text) ?? Float(text.trimmingASCIISpaces())).map { .float(Double($0)) }
            }
            return (Double(text) ?? Double(text.trimmingASCIISpaces())).map(WhereValue.float)
        case .bool:
            return bool(text).map(WhereValue.bool)
        case .text:
            if case .text(.timestamp(let zoned)) = type.kind {
                return WhereTimestamp.microseconds(text, zoned: zoned).map { .instant($0, text) }
            }
            return .text(type.kind == .text(.blankPadded) ? trimmingTrailingBlanks(text) : text)
        }
    }

    private static func trimmingTrailingBlanks(_ text: String) -> String {
        guard text.utf8.last == UInt8(ascii: " ") else { return text }
        var scalars = Substring(text).unicodeScalars[...]
        while scalars.last == " " { scalars = scalars.dropLast() }
        return String(scalars)
    }

    /// A literal or parameter given for a column of `type`: checked as Postgres' input
    /// function would, and put in canonical form. Nil when it is not a valid value.
    static func constant(_ text: String, as type: WhereColumnType) -> WhereValue? {
        switch type.kind {
        case .integer(let range):
            guard let value = integer(text), range.contains(value) else { return nil }
            return .integer(value)
        case .float(let single):
            return floatConstant(text, single: single).map(WhereValue.float)
        case .numeric:
            return WhereDecimal.parse(text).map(WhereValue.exact)
        case .bool:
            return bool(text).map(WhereValue.bool)
        case .text(.uuid):
            return uuid(text).map(WhereValue.text)
        case .text(.timestamp(let zoned)):
            return WhereTimestamp.microseconds(text, zoned: zoned).map { .instant($0, text) }
        case .text(let flavor):
            // Postgres text cannot hold NUL.
            guard !text.unicodeScalars.contains("\0") else { return nil }
            return .text(flavor == .blankPadded ? trimmingTrailingBlanks(text) : text)
        }
    }

    static func integer(_ text: String) -> Int64? {
        Int64(text) ?? Int64(text.trimmingASCIISpaces())
    }

    private static let boolWords: [String: Bool] = [
        "true": true, "t": true, "yes": true, "on": true, "1": true,
        "false": false, "f": false, "no": false, "off": false, "0": false,
    ]

    static func bool(_ text: String) -> Bool? {
        switch text {
        case "t", "true": return true  // Postgres' own output, first.
        case "f", "false": return false
        default: return text.utf8.count <= 32 ? boolWords[text.trimmingASCIISpaces().lowercased()] : nil
        }
    }

    /// Decimal syntax or the special words only (Swift's parser would also take hex),
    /// and not out of range.
    private static func floatConstant(_ text: String, single: Bool) -> Double? {
        let trimmed = text.trimmingASCIISpaces()
        switch trimmed.lowercased() {
        case "nan", "+nan", "-nan": return .nan
        case "infinity", "+infinity", "inf", "+inf": return .infinity
        case "-infinity", "-inf": return -.infinity
        default: break
        }
        guard WhereNumberSyntax(trimmed) != nil else { return nil }
        let value = single ? Float(trimmed).map(Double.init) : Double(trimmed)
        guard let value, value.isFinite else { return nil }
        return value
    }

    /// The canonical form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (lower case) of a uuid
    /// written with or without hyphens, in any case, optionally in braces.
    static func uuid(_ text: String) -> String? {
        var body = Substring(text.trimmingASCIISpaces())
        if body.first == "{" && body.last == "}" && body.count >= 2 {
            body = body.dropFirst().dropLast()
        }
        guard body.first != "-", body.last != "-", !body.contains("--") else { return nil }
        let hex = body.unicodeScalars.filter { $0 != "-" }
        guard hex.count == 32, hex.allSatisfy({ $0.properties.isASCIIHexDigit }) else { return nil }
        let lower = String(String.UnicodeScalarView(hex)).lowercased()
        let groups = [8, 4, 4, 4, 12]
        var parts: [Substring] = []
        var rest = Substring(lower)
        for length in groups {
            parts.append(rest.prefix(length))
            rest = rest.dropFirst(length)
        }
        return parts.joined(separator: "-")
    }
}
