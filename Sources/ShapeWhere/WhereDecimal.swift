/// An exact decimal number, as Postgres `numeric` compares them.
///
/// Kept as significant digits and a decimal exponent rather than Foundation's
/// `Decimal`, which silently rounds past 38 digits; `numeric` does not, and two
/// values that differ in the 40th digit must not compare equal.
struct WhereDecimal: Sendable, Hashable {
    enum Form: Int, Sendable, Hashable {
        // Ordered as Postgres orders numeric: -Infinity < finite < Infinity < NaN.
        case negativeInfinity, finite, positiveInfinity, notANumber
    }

    let form: Form
    let negative: Bool
    /// Significant digits (0–9) without leading or trailing zeros; empty for zero.
    let digits: [UInt8]
    /// The value is 0.d₁d₂… × 10^exponent.
    let exponent: Int

    /// Largest accepted exponent: well past any real use, small enough that the plain
    /// text of a value stays short.
    private static let exponentLimit = 1000

    private init(form: Form, negative: Bool = false, digits: [UInt8] = [], exponent: Int = 0) {
        self.form = form
        self.negative = negative
        self.digits = digits
        self.exponent = exponent
    }

    init(_ value: Int64) {
        // Int64's own text always parses.
        self = Self.parse(String(value)) ?? Self(form: .finite)
    }

    /// Reads `12`, `-0.50`, `.5`, `1e3`, `NaN`, `Infinity`, `-inf` (case-insensitive),
    /// with surrounding spaces as Postgres allows. Nil for anything else.
    static func parse(_ text: String) -> WhereDecimal? {
        let trimmed = text.trimmingASCIISpaces()
        switch trimmed.lowercased() {
        case "nan": return WhereDecimal(form: .notANumber)
        case "infinity", "+infinity", "inf", "+inf": return WhereDecimal(form: .positiveInfinity)
        case "-infinity", "-inf": return WhereDecimal(form: .negativeInfinity)
        default: break
        }
        guard let syntax = WhereNumberSyntax(trimmed) else { return nil }
        var all = syntax.integerDigits + syntax.fractionDigits
        var point = syntax.integerDigits.count
        let leadingZeros = all.prefix(while: { $0 == 0 }).count
        all.removeFirst(leadingZeros)
        point -= leadingZeros
        while all.last == 0 { all.removeLast() }
        guard !all.isEmpty else { return WhereDecimal(form: .finite) }
        let exponent = point + syntax.exponent
        guard abs(exponent) <= exponentLimit else { return nil }
        return WhereDecimal(form: .finite, negative: syntax.negative, digits: all, exponent: exponent)
    }

    var isZero: Bool { form == .finite && digits.isEmpty }

    /// The value written without an exponent (`1500`, `-0.025`), or `NaN`/`Infinity`/`-Infinity`.
    var text: String {
        switch form {
        case .notANumber: return "NaN"
        case .positiveInfinity: return "Infinity"
        case .negativeInfinity: return "-Infinity"
        case .finite: break
        }
        guard !isZero else { return "0" }
        let numerals = digits.map { String($0) }.joined()
        let body: String
        if exponent <= 0 {
            body = "0." + String(repeating: "0", count: -exponent) + numerals
        } else if exponent >= digits.count {
            body = numerals + String(repeating: "0", count: exponent - digits.count)
        } else {
            body = String(numerals.prefix(exponent)) + "." + String(numerals.dropFirst(exponent))
        }
        return negative ? "-" + body : body
    }

    /// -1, 0 or 1 as `self` is less than, equal to or greater than `other`.
    func compare(_ other: WhereDecimal) -> Int {
        if form != other.form || form != .finite {
            return form.rawValue < other.form.rawValue ? -1 : (form == other.form ? 0 : 1)
        }
        let sign = isZero ? 0 : (negative ? -1 : 1)
        let otherSign = other.isZero ? 0 : (other.negative ? -1 : 1)
        if sign != otherSign { return sign < otherSign ? -1 : 1 }
        if sign == 0 { return 0 }
        var magnitude: Int
        if exponent != other.exponent {
            magnitude = exponent < other.exponent ? -1 : 1
        } else if digits.lexicographicallyPrecedes(other.digits) {
            magnitude = -1
        } else {
            magnitude = digits == other.digits ? 0 : 1
        }
        return sign * magnitude
    }
}

/// The pieces of a decimal number's text: `[+-]digits[.digits][e[+-]digits]`.
struct WhereNumberSyntax {
    let negative: Bool
    let integerDigits: [UInt8]
    let fractionDigits: [UInt8]
    let exponent: Int
    let hasPointOrExponent: Bool

    init?(_ text: String) {
        var scalars = Substring(text).unicodeScalars[...]
        var negative = false
        if let first = scalars.first, first == "-" || first == "+" {
            negative = first == "-"
            scalars = scalars.dropFirst()
        }
        func takeDigits() -> [UInt8] {
            var taken: [UInt8] = []
            while let c = scalars.first, c >= "0", c <= "9" {
                taken.append(UInt8(c.value - 48))
                scalars = scalars.dropFirst()
            }
            return taken
        }
        let integerDigits = takeDigits()
        var fractionDigits: [UInt8] = []
        var marked = false
        if scalars.first == "." {
            scalars = scalars.dropFirst()
            fractionDigits = takeDigits()
            marked = true
        }
        guard !integerDigits.isEmpty || !fractionDigits.isEmpty else { return nil }
        var exponent = 0
        if let e = scalars.first, e == "e" || e == "E" {
            scalars = scalars.dropFirst()
            var exponentNegative = false
            if let sign = scalars.first, sign == "-" || sign == "+" {
                exponentNegative = sign == "-"
                scalars = scalars.dropFirst()
            }
            let exponentDigits = takeDigits()
            // Nine digits cannot overflow Int; the caller bounds the value.
            guard !exponentDigits.isEmpty, exponentDigits.count <= 9 else { return nil }
            exponent = exponentDigits.reduce(0) { $0 * 10 + Int($1) } * (exponentNegative ? -1 : 1)
            marked = true
        }
        guard scalars.isEmpty else { return nil }
        self.negative = negative
        self.integerDigits = integerDigits
        self.fractionDigits = fractionDigits
        self.exponent = exponent
        self.hasPointOrExponent = marked
    }
}
