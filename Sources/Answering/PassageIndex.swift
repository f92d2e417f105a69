import Foundation

/// The BM25 index behind ``KnowledgeBase``: every passage's terms, with the heading's terms
/// counted twice because a section's title says what the section is about.
struct PassageIndex: Sendable {
    private struct Record: Sendable {
        var document: String
        var heading: String?
        var text: String
        var length: Int
        /// Consecutive passages of one document under one heading share a section number.
        var section: Int
    }

    /// A search result with its place in the index, so that its neighbours can be found.
    struct RankedPassage: Sendable {
        var position: Int
        var section: Int
        var passage: Passage
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
        var section = -1

        for document in documents {
            var previousHeading: String?? = .none
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
                if previousHeading != .some(piece.heading) { section += 1 }
                previousHeading = .some(piece.heading)
                records.append(
                    Record(document: document.name, heading: piece.heading, text: piece.text, length: terms.count, section: section))
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
    static func pairs(_ terms: [String]) -> [String] {
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
        ranked(query, limit: limit, minimumCoverage: minimumCoverage).map(\.passage)
    }

    /// The weight a query term carries: its inverse document frequency (pairs of terms, "a b",
    /// count half, as in ranking).
    func weight(of term: String) -> Double {
        let weight = idf(documentFrequency: postings[term]?.count ?? 0)
        return term.contains(" ") ? weight * Self.pairWeight : weight
    }

    /// The passage at `position` (as in ``RankedPassage/position``), unscored.
    func passage(at position: Int) -> RankedPassage? {
        guard records.indices.contains(position) else { return nil }
        let record = records[position]
        return RankedPassage(
            position: position, section: record.section,
            passage: Passage(document: record.document, heading: record.heading, text: record.text, score: 0, coverage: 0))
    }

    /// Every section in document order with how many passages it was cut into.
    func sections() -> [(document: String, heading: String?, passages: Int)] {
        var result: [(document: String, heading: String?, passages: Int)] = []
        var last = -1
        for record in records {
            if record.section == last {
                result[result.count - 1].passages += 1
            } else {
                result.append((record.document, record.heading, 1))
                last = record.section
            }
        }
        return result
    }

    /// Like ``search(_:limit:minimumCoverage:)``, with each result's place in the index.
    func ranked(_ query: String, limit: Int, minimumCoverage: Double) -> [RankedPassage] {
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
            let passage = Passage(
                document: record.document, heading: record.heading, text: record.text,
                score: hit.score, coverage: hit.coverage
            )
            return RankedPassage(position: hit.passage, section: record.section, passage: passage)
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
