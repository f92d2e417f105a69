/// A question as the answer composer weighs it: its terms with their weights in the index,
/// and what kind of answer it asks for.
struct AnswerQuery {
    /// The distinct terms of the question and their adjacent pairs, each with its weight.
    let weights: [String: Double]
    /// "How do I …", "what command …": the answer may show one short code block.
    let asksHowToRun: Bool
    /// "What is …", "what does … do": a section's opening sentence, which usually defines
    /// its subject, counts for more.
    let asksWhatSomethingIs: Bool

    init(_ question: String, index: PassageIndex) {
        var analyzer = TextAnalyzer()
        let terms = analyzer.terms(in: question)
        var weights: [String: Double] = [:]
        for term in terms + PassageIndex.pairs(terms) { weights[term] = index.weight(of: term) }
        self.weights = weights
        let lowered = " " + question.lowercased() + " "
        asksHowToRun = Self.howToPhrases.contains { lowered.contains($0) }
        asksWhatSomethingIs = Self.definitionPhrases.contains { lowered.contains($0) }
    }

    /// How much of the question `text` speaks to: the summed weights of the question's terms
    /// (and pairs) found in it.
    func score(_ text: String) -> (score: Double, terms: Set<String>) {
        let terms = Self.terms(of: text)
        return (score(terms: terms, ignoring: []), terms)
    }

    /// The summed weights of the question's terms (and pairs) found among `terms`, leaving out
    /// those in `ignored` (the words of the section's heading, which every sentence under it
    /// is about already).
    func score(terms: Set<String>, ignoring ignored: Set<String>) -> Double {
        weights.reduce(0.0) { total, entry in
            terms.contains(entry.key) && !ignored.contains(entry.key) ? total + entry.value : total
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
        return total > 0 ? score(terms: terms, ignoring: []) / total : 0
    }

    private static let howToPhrases = [
        " how do i ", " how can i ", " how to ", " how should i ", " how would i ", " command", " run ", " start ",
        " example", " usage", " syntax", " invoke",
    ]
    private static let definitionPhrases = [" what is ", " what are ", " what's ", " whats ", " what does ", " define ", " meaning of "]
}
