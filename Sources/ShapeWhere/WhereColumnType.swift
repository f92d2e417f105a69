/// How values of a column's Postgres type are read and compared.
struct WhereColumnType: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        /// int2, int4, int8: whole numbers in `range`.
        case integer(ClosedRange<Int64>)
        /// float4 (`single`) or float8.
        case float(single: Bool)
        /// numeric: exact decimal.
        case numeric
        case bool
        /// Compared as text, by UTF-8 bytes.
        case text(TextFlavor)
    }

    /// Text-compared types differ in what else they allow.
    enum TextFlavor: Sendable, Hashable {
        /// text, varchar, name: LIKE applies and Postgres orders them by collation.
        case string
        /// bpchar (`char(n)`): as `string`, but trailing blanks do not count in
        /// comparisons, as in Postgres (LIKE still sees them, as in Postgres).
        case blankPadded
        /// uuid: constants are checked and written in the canonical lower-case form, so
        /// text order is value order.
        case uuid
        /// timestamptz (`zoned`) and timestamp: compared by the instant they name
        /// (``WhereTimestamp``), not by their text.
        case timestamp(zoned: Bool)
        /// Anything else (date, enums, …): compared by its text as given.
        case other
    }

    /// The type's `typname`, with SQL spellings (`integer`, `double precision`, …) mapped
    /// to it, so it can be used in a cast.
    let name: String
    let kind: Kind

    static let boolean = WhereColumnType(name: "bool", kind: .bool)

    private init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    init(typeName: String) {
        let trimmed = typeName.trimmingASCIISpaces()
        // Type modifiers (`varchar(20)`, `numeric(10,2)`) do not change how values compare.
        let base = trimmed.split(separator: "(", maxSplits: 1).first.map(String.init)?.trimmingASCIISpaces() ?? trimmed
        let lower = base.lowercased()
        switch lower {
        case "int2", "smallint": self.init(name: "int2", kind: .integer(Int64(Int16.min)...Int64(Int16.max)))
        case "int4", "integer", "int": self.init(name: "int4", kind: .integer(Int64(Int32.min)...Int64(Int32.max)))
        case "int8", "bigint": self.init(name: "int8", kind: .integer(Int64.min...Int64.max))
        case "float4", "real": self.init(name: "float4", kind: .float(single: true))
        case "float8", "double precision", "float": self.init(name: "float8", kind: .float(single: false))
        case "numeric", "decimal": self.init(name: "numeric", kind: .numeric)
        case "bool", "boolean": self.init(name: "bool", kind: .bool)
        case "text": self.init(name: "text", kind: .text(.string))
        case "varchar", "character varying": self.init(name: "varchar", kind: .text(.string))
        case "bpchar", "character", "char": self.init(name: "bpchar", kind: .text(.blankPadded))
        case "name": self.init(name: "name", kind: .text(.string))
        case "uuid": self.init(name: "uuid", kind: .text(.uuid))
        case "timestamptz", "timestamp with time zone": self.init(name: "timestamptz", kind: .text(.timestamp(zoned: true)))
        case "timestamp", "timestamp without time zone": self.init(name: "timestamp", kind: .text(.timestamp(zoned: false)))
        default:
            // Built-in names are lower case; anything else (an enum) keeps its case so
            // the quoted cast `$1::"Mood"` finds it.
            self.init(name: base == lower ? lower : base, kind: .text(.other))
        }
    }

    /// The domain a comparison with this type alone is made in.
    var domain: WhereDomain {
        switch kind {
        case .integer: .integer
        case .float: .float
        case .numeric: .exact
        case .bool: .bool
        case .text: .text
        }
    }

    var isNumeric: Bool {
        switch kind {
        case .integer, .float, .numeric: true
        case .bool, .text: false
        }
    }

    /// Text-like for LIKE and for comparing with other string columns.
    var isString: Bool { kind == .text(.string) || kind == .text(.blankPadded) }
}

/// The kind of value both sides of a comparison are read as.
enum WhereDomain: Sendable, Hashable {
    /// Both sides whole numbers (Int64).
    case integer
    /// Exact decimal: numeric, or an integer against a decimal literal (`n > 1.5`).
    case exact
    /// Double, when either side is float4/float8, as Postgres casts to float8.
    case float
    case bool
    case text
}

extension String {
    func trimmingASCIISpaces() -> String {
        let isSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0B}" || $0 == "\u{0C}" }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
              let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }
}
