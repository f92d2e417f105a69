/// Turns text into index terms: words lower-cased, stop words and single letters dropped,
/// English words stemmed. The index and the questions go through the same analyzer, so
/// "How do I mint tokens?" meets "Minting a token".
struct TextAnalyzer {
    /// Each distinct word is analysed once; a corpus repeats its words a lot.
    private var cache: [[UInt8]: String?] = [:]

    /// Words longer than this are identifiers or encoded blobs, not something people ask about.
    private static let longestWord = 64

    /// The terms of `text`, in order, repeats kept (term frequency matters).
    mutating func terms(in text: some StringProtocol) -> [String] {
        var result: [String] = []
        var word: [UInt8] = []
        var wordIsASCII = true

        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                if (0x61...0x7A).contains(value) || (0x30...0x39).contains(value) {
                    word.append(UInt8(value))
                    continue
                }
                if (0x41...0x5A).contains(value) {
                    word.append(UInt8(value + 0x20))
                    continue
                }
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                word.append(contentsOf: Array(String(scalar).utf8))
                wordIsASCII = false
                continue
            }
            if !word.isEmpty, let term = analyse(word, isASCII: wordIsASCII) { result.append(term) }
            word.removeAll(keepingCapacity: true)
            wordIsASCII = true
        }
        if !word.isEmpty, let term = analyse(word, isASCII: wordIsASCII) { result.append(term) }
        return result
    }

    private mutating func analyse(_ word: [UInt8], isASCII: Bool) -> String? {
        if let known = cache[word] { return known }
        let term = Self.term(for: word, isASCII: isASCII)
        cache[word] = .some(term)
        return term
    }

    private static func term(for word: [UInt8], isASCII: Bool) -> String? {
        // Single letters are noise ("I", the "s" of "token's"); single digits are not ("exit code 4").
        let isDigit = word.count == 1 && word[0] >= UInt8(ascii: "0") && word[0] <= UInt8(ascii: "9")
        guard word.count > 1 || isDigit, word.count <= longestWord else { return nil }
        guard isASCII else { return String(decoding: word, as: UTF8.self).lowercased() }
        let text = String(decoding: word, as: UTF8.self)
        if stopWords.contains(text) { return nil }
        let lettersOnly = word.allSatisfy { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
        guard lettersOnly else { return text }
        return String(decoding: PorterStemmer.stem(word), as: UTF8.self)
    }

    /// Common English words that say nothing about the topic, including the way questions
    /// are phrased ("how do I", "what is", "can you", "what do I need to use", "what happens
    /// when", "how does it work"). "down" is not one of them: "PostgreSQL is down" is a topic.
    static let stopWords: Set<String> = [
        "about", "above", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at",
        "be", "because", "been", "before", "being", "below", "between", "both", "but", "by",
        "can", "could", "did", "do", "does", "doing", "done", "during",
        "each", "else", "ever", "few", "for", "from", "further", "get", "gets", "got",
        "had", "happen", "happened", "happens", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how",
        "if", "in", "into", "is", "it", "its", "itself", "just", "let", "lets", "like",
        "may", "me", "might", "more", "most", "much", "must", "my", "myself", "need", "needs",
        "no", "nor", "not", "now", "of", "off", "on", "once", "one", "only", "or", "other", "our", "ours",
        "out", "over", "own", "please", "same", "she", "should", "so", "some", "such",
        "tell", "than", "that", "the", "their", "theirs", "them", "then", "there", "these", "they",
        "this", "those", "through", "to", "too", "under", "until", "up", "us", "use", "used", "uses", "using",
        "very", "want", "was", "way", "we", "were", "what", "whats", "when", "where", "which", "while",
        "who", "whom", "why", "will", "with", "work", "works", "would", "you", "your", "yours", "yourself",
    ]
}
