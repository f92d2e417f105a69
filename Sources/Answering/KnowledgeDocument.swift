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
