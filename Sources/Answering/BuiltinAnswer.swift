/// A section of a knowledge document, as answers name it: "README.md § qactl token".
public struct SectionReference: Sendable, Hashable, CustomStringConvertible {
    /// The document's name, such as "README.md".
    public var document: String
    /// The section's heading; nil for a document without headings.
    public var heading: String?

    public init(document: String, heading: String?) {
        self.document = document
        self.heading = heading
    }

    /// "README.md § qactl token", or "notes.txt" for a document without headings.
    public var description: String {
        guard let heading, !heading.isEmpty else { return document }
        return "\(document) § \(heading)"
    }
}

/// One answer of the built-in answerer: a few Markdown blocks that answer the question
/// (prose, perhaps a list, at most one code block), then the sections they come from; or,
/// when the knowledge says nothing clear about it, one honest sentence and the closest topics.
public struct BuiltinAnswer: Sendable, Equatable {
    /// The answer's Markdown blocks in reading order (paragraphs, lists, a fenced code block).
    public var blocks: [String]
    /// The sections the blocks come from, the best match first; empty when not ``isKnown``.
    public var sources: [SectionReference]
    /// False when the answer is "I don't know" with suggestions.
    public var isKnown: Bool

    /// "Sources: README.md § qactl token; commands.md § qactl token mint shape".
    public var sourcesLine: String? {
        sources.isEmpty ? nil : "Sources: " + sources.map(\.description).joined(separator: "; ")
    }

    /// The whole answer as the user reads it: blocks, then the sources line, a blank line apart.
    public var markdown: String { pieces.joined() }

    /// The answer as it is streamed: one piece per block and one for the sources line.
    public var pieces: [String] {
        let all = blocks + (sourcesLine.map { [$0] } ?? [])
        return all.enumerated().map { offset, block in offset == 0 ? block : "\n\n" + block }
    }

    /// Words of prose: code blocks and the sources line not counted.
    public var proseWordCount: Int {
        blocks.filter { !$0.hasPrefix("```") }.reduce(0) { $0 + PassageSplitter.wordCount($1) }
    }

    /// How many fenced code blocks the answer shows.
    public var codeBlockCount: Int { blocks.count(where: { $0.hasPrefix("```") }) }
}
