/// A LIKE/ILIKE pattern with Postgres semantics: `%` matches any run of characters,
/// `_` exactly one character (Unicode scalar, as in a UTF-8 database), and backslash
/// makes the next character literal. ILIKE lower-cases both pattern and text with
/// Unicode rules first, as Postgres does.
struct WhereLikePattern: Sendable {
    private enum Element: Sendable, Equatable {
        case literal(Unicode.Scalar)
        case one
        case any
    }

    private let elements: [Element]
    private let caseInsensitive: Bool

    /// Nil when the pattern ends with a lone backslash, which Postgres refuses
    /// ("LIKE pattern must not end with escape character").
    init?(_ pattern: String, caseInsensitive: Bool) {
        let source = caseInsensitive ? pattern.lowercased() : pattern
        var elements: [Element] = []
        var escaped = false
        for scalar in source.unicodeScalars {
            if escaped {
                elements.append(.literal(scalar))
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == "%" {
                // Runs of % mean the same as one; collapsing them keeps matching linear-ish.
                if elements.last != .any { elements.append(.any) }
            } else if scalar == "_" {
                elements.append(.one)
            } else {
                elements.append(.literal(scalar))
            }
        }
        if escaped { return nil }
        self.elements = elements
        self.caseInsensitive = caseInsensitive
    }

    func matches(_ text: String) -> Bool {
        let subject = Array((caseInsensitive ? text.lowercased() : text).unicodeScalars)
        // Greedy matching that backtracks only to the most recent `%`: when a later `%`
        // is reached, earlier choices never need revisiting, so the cost is at most
        // pattern length × text length and usually linear.
        var p = 0
        var t = 0
        var starP = -1
        var starT = 0
        while t < subject.count {
            if p < elements.count, elements[p] == .any {
                starP = p
                starT = t
                p += 1
            } else if p < elements.count, elements[p] == .one || elements[p] == .literal(subject[t]) {
                p += 1
                t += 1
            } else if starP >= 0 {
                p = starP + 1
                starT += 1
                t = starT
            } else {
                return false
            }
        }
        while p < elements.count, elements[p] == .any { p += 1 }
        return p == elements.count
    }
}
