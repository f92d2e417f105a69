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
                var terms = analyzer.terms(in: piece.text)
                if let heading = piece.heading {
                    let headingTerms = analyzer.terms(in: heading)
                    terms += headingTerms + headingTerms
                }
                guard !terms.isEmpty else { continue }
                var frequencies: [String: Int] = [:]
                for term in terms { frequencies[term, default: 0] += 1 }
                let passage = records.count
                // Sorted so that the index is the same from run to run (dictionary order is not).
                for (term, frequency) in frequencies.sorted(by: { $0.key < $1.key }) {
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
                let frequency = Double(posting.frequency)
                let lengthRatio = Double(records[posting.passage].length) / averageLength
                let saturation = frequency * (Self.k1 + 1) / (frequency + Self.k1 * (1 - Self.b + Self.b * lengthRatio))
                let previous = scores[posting.passage] ?? (0, 0)
                scores[posting.passage] = (previous.score + weight * saturation, previous.weight + weight)
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
