/// A question as the answer composer weighs it: its terms with their weights in the index,
/// and what kind of answer it asks for.
struct AnswerQuery {
    /// The distinct terms of the question and their adjacent pairs, each with its weight.
    let weights: [String: Double]
    /// "How do I …", "what command …": the answer may show one short code block.
    let asksHowToRun: Bool
    /// "What is …", "what does … do", "how do … work": a passage that defines the subject
    /// (names it in *emphasis*) answers first, and a section's opening sentence counts for more.
    let asksWhatSomethingIs: Bool

    /// The question's words (no pairs): what a defining passage must name.
    let subject: Set<String>

    init(_ question: String, index: PassageIndex) {
        var analyzer = TextAnalyzer()
        let terms = analyzer.terms(in: question)
        subject = Set(terms)
        var weights: [String: Double] = [:]
        for term in terms + PassageIndex.pairs(terms) { weights[term] = index.weight(of: term) }
        self.weights = weights
        let lowered = " " + question.lowercased() + " "
        asksHowToRun = Self.howToPhrases.contains { lowered.contains($0) }
        asksWhatSomethingIs = Self.definitionPhrases.contains { lowered.contains($0) }
            || (lowered.hasPrefix(" how do") && lowered.contains(" work"))
    }

    /// How much of the question `text` speaks to: the summed weights of the question's terms
    /// (and pairs) found in it.
    func score(_ text: String) -> (score: Double, terms: Set<String>) {
        let terms = Self.terms(of: text)
        return (score(terms: terms, muting: []), terms)
    }

    /// The summed weights of the question's terms (and pairs) found among `terms`, those in
    /// `muted` counting a quarter: the words of the section's heading, which every sentence
    /// under it is about already, so they hardly tell its sentences apart.
    func score(terms: Set<String>, muting muted: Set<String>) -> Double {
        weights.reduce(0.0) { total, entry in
            guard terms.contains(entry.key) else { return total }
            return total + (muted.contains(entry.key) ? entry.value / 4 : entry.value)
        }
    }

    /// The terms of `text` and its adjacent pairs of terms.
    static func terms(of text: String) -> Set<String> {
        var analyzer = TextAnalyzer()
        let terms = analyzer.terms(in: text)
        return Set(terms + PassageIndex.pairs(terms))
    }

    /// The share (0…1) of the question's weight that `terms` hold.
    func share(of terms: Set<String>) -> Double {
        let total = weights.values.reduce(0, +)
        return total > 0 ? score(terms: terms, muting: []) / total : 0
    }

    private static let howToPhrases = [
        " how do i ", " how can i ", " how to ", " how should i ", " how would i ", " command", " run ", " start ",
        " example", " usage", " syntax", " invoke",
    ]
    private static let definitionPhrases = [" what is ", " what are ", " what's ", " whats ", " what does ", " define ", " meaning of "]

    /// Whether `text` introduces the question's subject the way Markdown prose defines a term,
    /// in emphasis: "a short-lived *shape token* (exactly which rows you may sync)".
    func defines(in text: String) -> Bool {
        guard !subject.isEmpty else { return false }
        return Self.emphasised(in: text).contains { phrase in
            var analyzer = TextAnalyzer()
            return Set(analyzer.terms(in: phrase)) == subject
        }
    }

    /// The `*single-asterisk*` phrases of `text` (not `**bold**`, not inside code).
    static func emphasised(in text: String) -> [String] {
        var phrases: [String] = []
        var current: String?
        var inCode = false
        var previous: Character = " "
        let characters = Array(text)
        for (index, character) in characters.enumerated() {
            defer { previous = character }
            if character == "`" { inCode.toggle() }
            guard !inCode, character == "*" else {
                current?.append(character)
                continue
            }
            let next = index + 1 < characters.count ? characters[index + 1] : " "
            if previous == "*" || next == "*" {
                current = nil
            } else if let phrase = current {
                if !phrase.isEmpty { phrases.append(phrase) }
                current = nil
            } else if next != " " {
                current = ""
            }
        }
        return phrases
    }
}
