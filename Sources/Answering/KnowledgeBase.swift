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
