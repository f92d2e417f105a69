import Foundation

/// Why a knowledge folder could not be used; the message names the folder and what is wrong.
public struct KnowledgeBaseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A readable sentence, such as "the knowledge directory /srv/docs does not exist".
    public let message: String

    /// An error with a readable message.
    public init(_ message: String) {
        self.message = message
    }

    /// The message itself.
    public var description: String { message }
}

extension KnowledgeBase {
    /// The file name endings read as knowledge (compared without regard to case).
    public static let fileExtensions = ["md", "markdown", "txt"]

    /// Reads every `*.md`, `*.markdown` and `*.txt` file under `directory` (recursively,
    /// hidden files and folders skipped), names each by its path relative to `directory`,
    /// and indexes them in name order so that the same folder always gives the same answers.
    ///
    /// Throws ``KnowledgeBaseError`` when the folder is missing, is not a folder, cannot be
    /// read, holds no such files, or one of them cannot be read.
    public static func load(directory: String) throws -> KnowledgeBase {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw KnowledgeBaseError("the knowledge directory \(directory) does not exist")
        }
        guard isDirectory.boolValue else {
            throw KnowledgeBaseError("the knowledge directory \(directory) is not a directory")
        }
        guard fileManager.isReadableFile(atPath: directory), fileManager.isExecutableFile(atPath: directory) else {
            throw KnowledgeBaseError("the knowledge directory \(directory) cannot be read (permission denied)")
        }
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        let names = try knowledgeFileNames(under: base)
        guard !names.isEmpty else {
            throw KnowledgeBaseError(
                "the knowledge directory \(directory) holds no Markdown or text files (*.md, *.markdown, *.txt)"
            )
        }
        var documents: [KnowledgeDocument] = []
        documents.reserveCapacity(names.count)
        for name in names {
            guard let data = fileManager.contents(atPath: base + name) else {
                throw KnowledgeBaseError("the knowledge file \(base + name) cannot be read")
            }
            // Lossy on purpose: one stray Latin-1 byte should not keep the server from starting.
            documents.append(KnowledgeDocument(name: name, text: String(decoding: data, as: UTF8.self)))
        }
        return KnowledgeBase(documents: documents)
    }

    /// Relative paths of the knowledge files under `base` (which ends in "/"), sorted.
    private static func knowledgeFileNames(under base: String) throws -> [String] {
        let fileManager = FileManager.default
        guard let enumerator = fileManager.enumerator(atPath: base) else {
            throw KnowledgeBaseError("the knowledge directory \(base) cannot be read")
        }
        var names: [String] = []
        while let path = enumerator.nextObject() as? String {
            let name = (path as NSString).lastPathComponent
            if name.hasPrefix(".") {
                enumerator.skipDescendants()
                continue
            }
            let ending = (name as NSString).pathExtension.lowercased()
            guard fileExtensions.contains(ending) else { continue }
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: base + path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                continue
            }
            names.append(path)
        }
        return names.sorted()
    }
}
