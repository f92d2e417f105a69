/// A passage of a document that matched a query.
public struct Passage: Sendable, Equatable {
    /// The name of the document it comes from, such as "README.md".
    public var document: String
    /// The heading of the section it belongs to, if the document has headings.
    public var heading: String?
    /// The passage itself, as written in the document.
    public var text: String
    /// BM25 score: higher is better; only comparable between results of the same query.
    public var score: Double
    /// The share (0…1) of the query's weight that this passage matches: rare query words
    /// weigh more, words found nowhere in the knowledge weigh most.
    public var coverage: Double

    /// A passage with its origin and scores.
    public init(document: String, heading: String?, text: String, score: Double, coverage: Double) {
        self.document = document
        self.heading = heading
        self.text = text
        self.score = score
        self.coverage = coverage
    }
}
