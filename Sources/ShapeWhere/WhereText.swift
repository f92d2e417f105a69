/// Spelling of identifiers and literals in normalised and generated SQL.
///
/// Doubling works on Unicode scalars, not Characters: a quote followed by a combining
/// mark is one Character, and a Character-level replace would miss it and leave the
/// quote undoubled.
enum WhereText {
    /// `"name"` with embedded quotes doubled. Always quoted, so case and keywords never
    /// change what the name means.
    static func identifier(_ name: String) -> String {
        delimited(name, by: "\"")
    }

    /// `'text'` with embedded quotes doubled (standard-conforming strings: backslash is
    /// an ordinary character).
    static func string(_ text: String) -> String {
        delimited(text, by: "'")
    }

    private static func delimited(_ text: String, by delimiter: Unicode.Scalar) -> String {
        var result = String.UnicodeScalarView()
        result.append(delimiter)
        for scalar in text.unicodeScalars {
            if scalar == delimiter { result.append(delimiter) }
            result.append(scalar)
        }
        result.append(delimiter)
        return String(result)
    }
}
