import Foundation

/// The BM25 index behind ``KnowledgeBase``: every passage's terms, with the heading's terms
/// counted twice because a section's title says what the section is about.
struct PassageIndex: Sendable {
    private struct Record: Sendable {
        var document: String
        var heading: String?
        var text: String
        var length: Int
    }

    private struct Posting: Sendable {
        var passage: Int
        var frequency: Int
    }

    /// BM25 term-frequency saturation and length normalisation, the usual values.
    private static let k1 = 1.2
    private static let b = 0.75
    /// Adjacent pairs count half as much as words: a bonus, not a second ranking.
    private static let pairWeight = 0.5

    private let records: [Record]
    private let postings: [String: [Posting]]
    private let averageLength: Double

    var passageCount: Int { records.count }

    init(documents: [KnowledgeDocument]) {
        var analyzer = TextAnalyzer()
        let splitter = PassageSplitter()
        var records: [Record] = []
        var postings: [String: [Posting]] = [:]
        var totalLength = 0

        for document in documents {
            for piece in splitter.pieces(of: document.text, markdown: document.isMarkdown) {
                let textTerms = analyzer.terms(in: piece.text)
                let headingTerms = piece.heading.map { analyzer.terms(in: $0) } ?? []
                let terms = textTerms + headingTerms + headingTerms
                guard !terms.isEmpty else { continue }
                var frequencies: [String: Int] = [:]
                for term in terms { frequencies[term, default: 0] += 1 }
                for pair in Self.pairs(textTerms) + Self.pairs(headingTerms) { frequencies[pair, default: 0] += 1 }
                let passage = records.count
                for (term, frequency) in frequencies {
                    postings[term, default: []].append(Posting(passage: passage, frequency: frequency))
                }
                records.append(Record(document: document.name, heading: piece.heading, text: piece.text, length: terms.count))
                totalLength += terms.count
            }
        }
        self.records = records
        self.postings = postings
        averageLength = records.isEmpty ? 1 : Double(totalLength) / Double(records.count)
    }

    /// Adjacent terms as one more term ("sign kei" for "signing keys"): a passage that has the
    /// question's words side by side is more likely about the same thing than one that has
    /// them scattered. A space never occurs inside a term, so pairs cannot collide with words.
    private static func pairs(_ terms: [String]) -> [String] {
        guard terms.count > 1 else { return [] }
        return (1..<terms.count).map { terms[$0 - 1] + " " + terms[$0] }
    }

    /// Inverse document frequency; a term found nowhere gets the highest possible value.
    private func idf(documentFrequency: Int) -> Double {
        let n = Double(records.count)
        let df = Double(documentFrequency)
        return log(1 + (n - df + 0.5) / (df + 0.5))
    }

    func search(_ query: String, limit: Int, minimumCoverage: Double) -> [Passage] {
        guard limit > 0, !records.isEmpty else { return [] }
        var analyzer = TextAnalyzer()
        var seen: Set<String> = []
        let queryTerms = analyzer.terms(in: query).filter { seen.insert($0).inserted }
        guard !queryTerms.isEmpty else { return [] }

        var totalWeight = 0.0
        var scores: [Int: (score: Double, weight: Double)] = [:]
        for term in queryTerms {
            let termPostings = postings[term] ?? []
            let weight = idf(documentFrequency: termPostings.count)
            totalWeight += weight
            for posting in termPostings {
                let previous = scores[posting.passage] ?? (0, 0)
                scores[posting.passage] = (previous.score + weight * saturation(posting), previous.weight + weight)
            }
        }
        // Pairs only add to the score of passages the words already matched; they do not count
        // towards coverage, which is about how much of the question the passage speaks to.
        for pair in Set(Self.pairs(analyzer.terms(in: query))).sorted() {
            guard let pairPostings = postings[pair] else { continue }
            let weight = idf(documentFrequency: pairPostings.count) * Self.pairWeight
            for posting in pairPostings {
                let previous = scores[posting.passage] ?? (0, 0)
                scores[posting.passage] = (previous.score + weight * saturation(posting), previous.weight)
            }
        }

        var hits: [Hit] = []
        for (passage, total) in scores {
            let coverage = total.weight / totalWeight
            guard coverage >= minimumCoverage, total.score > 0 else { continue }
            hits.append(Hit(passage: passage, score: total.score, coverage: coverage))
        }
        hits.sort(by: Hit.ranksBefore)
        return hits.prefix(limit).map { hit in
            let record = records[hit.passage]
            return Passage(
                document: record.document, heading: record.heading, text: record.text,
                score: hit.score, coverage: hit.coverage
            )
        }
    }

    /// BM25's term-frequency part, normalised by the passage's length.
    private func saturation(_ posting: Posting) -> Double {
        let frequency = Double(posting.frequency)
        let lengthRatio = Double(records[posting.passage].length) / averageLength
        return frequency * (Self.k1 + 1) / (frequency + Self.k1 * (1 - Self.b + Self.b * lengthRatio))
    }

    private struct Hit {
        var passage: Int
        var score: Double
        var coverage: Double

        /// Higher score first; equal scores in document order, so results never depend on hashing.
        static func ranksBefore(_ a: Hit, _ b: Hit) -> Bool {
            a.score != b.score ? a.score > b.score : a.passage < b.passage
        }
    }
}
