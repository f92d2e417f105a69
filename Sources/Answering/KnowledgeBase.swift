/// One file of knowledge: Markdown or plain text, named as it will appear in attributions.
public struct KnowledgeDocument: Sendable, Equatable {
    /// The file's name, relative to the knowledge folder: "README.md", "guide/tokens.md".
    public let name: String
    /// The whole text of the file.
    public let text: String

    /// A document named `name` (its extension decides whether it is read as Markdown).
    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }

    /// Plain-text files have no headings; everything else is read as Markdown.
    var isMarkdown: Bool { !name.lowercased().hasSuffix(".txt") }
}

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

/// Documents cut into passages with a BM25 index over them, built once and searched many times.
public struct KnowledgeBase: Sendable {
    /// Passages that match less than this share of a query's weight are not an answer to it:
    /// a question about cakes that shares one word with the documentation is still about cakes.
    public static let minimumCoverage = 0.35

    /// The names of the documents, in the order they were given.
    public let documentNames: [String]
    let index: PassageIndex

    /// Cuts the documents into passages (at Markdown headings, then by paragraphs) and indexes them.
    public init(documents: [KnowledgeDocument]) {
        documentNames = documents.map(\.name)
        index = PassageIndex(documents: documents)
    }

    /// How many documents the knowledge holds.
    public var documentCount: Int { documentNames.count }

    /// How many passages the documents were cut into.
    public var passageCount: Int { index.passageCount }

    /// The passages that answer `query` best, best first, at most `limit`; only passages that
    /// match at least ``minimumCoverage`` of the query are returned, so an empty result means
    /// the knowledge says nothing about it. Ties keep document order, so results are deterministic.
    public func search(_ query: String, limit: Int) -> [Passage] {
        index.search(query, limit: limit, minimumCoverage: Self.minimumCoverage)
    }
}
extension KnowledgeBase {
    func searchAll(_ q: String) -> [Passage] { index.search(q, limit: 5, minimumCoverage: 0) }
}
