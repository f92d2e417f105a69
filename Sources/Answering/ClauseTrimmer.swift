import Foundation

/// Shortens one overlong sentence (a long enumeration of options, say) to the clauses that
/// speak to the question, cutting only where a comma or semicolon ends a clause outside
/// brackets and code, and marking each gap with "…".
enum ClauseTrimmer {
    static func trim(_ sentence: String, toWords budget: Int, score: (String) -> Double) -> String {
        let clauses = clauses(of: sentence)
        guard clauses.count > 1 else { return sentence }
        // The first clause says what the sentence is about; then the best-scoring ones that fit.
        var keep: Set<Int> = [0]
        var words = PassageSplitter.wordCount(clauses[0])
        var scored: [(index: Int, score: Double)] = []
        for index in clauses.indices.dropFirst() {
            let value = score(clauses[index])
            if value > 0 { scored.append((index, value)) }
        }
        let ranked = scored.sorted { a, b in a.score != b.score ? a.score > b.score : a.index < b.index }
        for (index, _) in ranked {
            let count = PassageSplitter.wordCount(clauses[index])
            guard words + count <= budget else { continue }
            keep.insert(index)
            words += count
        }
        var text = ""
        var skipped = false
        for index in clauses.indices {
            guard keep.contains(index) else {
                if !skipped { text = withoutSeparator(text) + " …" }
                skipped = true
                continue
            }
            text += (text.isEmpty ? "" : " ") + clauses[index]
            skipped = false
        }
        return text
    }

    /// `clause` without the comma or semicolon that ended it.
    private static func withoutSeparator(_ clause: String) -> String {
        clause.hasSuffix(",") || clause.hasSuffix(";") ? String(clause.dropLast()) : clause
    }

    /// The clauses of `sentence`, each with its closing comma or semicolon.
    private static func clauses(of sentence: String) -> [String] {
        var clauses: [String] = []
        var current = ""
        var inCode = false
        var depth = 0
        let characters = Array(sentence)
        for (index, character) in characters.enumerated() {
            current.append(character)
            if character == "`" {
                inCode.toggle()
            } else if !inCode && character == "(" {
                depth += 1
            } else if !inCode && character == ")" {
                depth = max(0, depth - 1)
            }
            let endsClause = (character == "," || character == ";") && !inCode && depth == 0
            if endsClause, index + 1 < characters.count, characters[index + 1] == " " {
                clauses.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespaces)
        if !rest.isEmpty { clauses.append(rest) }
        return clauses
    }
}
