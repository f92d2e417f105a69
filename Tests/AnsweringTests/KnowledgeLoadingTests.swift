import Foundation
import Testing

@testable import Answering

@Suite("Loading a knowledge folder")
struct KnowledgeLoadingTests {
    private func makeTemporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "qactl-knowledge-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("reads .md, .markdown and .txt recursively, skips other and hidden files, names by relative path")
    func readsKnowledgeFiles() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = [
            "README.md": "# Readme\n\nAbout qactl.",
            "guide/tokens.markdown": "# Tokens\n\nMinting tokens.",
            "guide/deep/notes.TXT": "Plain notes.",
            "image.png": "not text",
            ".hidden/secret.md": "# Secret",
            "guide/.draft.md": "# Draft",
        ]
        for (name, text) in files {
            let path = directory + "/" + name
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let knowledge = try KnowledgeBase.load(directory: directory)
        #expect(knowledge.documentNames == ["README.md", "guide/deep/notes.TXT", "guide/tokens.markdown"])
        #expect(knowledge.documentCount == 3)
        #expect(knowledge.search("minting", limit: 1).first?.document == "guide/tokens.markdown")
    }

    @Test("a missing directory, a file and an empty directory are clear errors")
    func errors() throws {
        #expect {
            try KnowledgeBase.load(directory: "/nonexistent/qactl-knowledge")
        } throws: { error in
            "\(error)" == "the knowledge directory /nonexistent/qactl-knowledge does not exist"
        }
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "x".write(toFile: directory + "/image.png", atomically: true, encoding: .utf8)
        #expect {
            try KnowledgeBase.load(directory: directory)
        } throws: { error in
            "\(error)".contains("holds no Markdown or text files")
        }
        #expect {
            try KnowledgeBase.load(directory: directory + "/image.png")
        } throws: { error in
            "\(error)".contains("is not a directory")
        }
    }

    @Test("1,000 files are loaded and indexed quickly")
    func thousandFiles() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let vocabulary = [
            "shape", "token", "offset", "client", "server", "stream", "answer", "question", "conversation",
            "transaction", "snapshot", "replica", "signature", "database", "migration", "listener", "gateway",
            "cursor", "handle", "schema", "column", "predicate", "parameter", "timeout", "deadline",
        ]
        for file in 0..<1000 {
            var text = "# Document \(file)\n\n"
            for section in 0..<4 {
                text += "## Section \(section) about \(vocabulary[(file + section) % vocabulary.count])\n\n"
                for sentence in 0..<6 {
                    let words = (0..<12).map { vocabulary[(file * 7 + section * 5 + sentence * 3 + $0) % vocabulary.count] }
                    text += words.joined(separator: " ") + " marker\(file)x\(section).\n"
                }
                text += "\n"
            }
            try text.write(toFile: "\(directory)/doc-\(file).md", atomically: false, encoding: .utf8)
        }
        let clock = ContinuousClock()
        var knowledge: KnowledgeBase?
        let elapsed = try clock.measure { knowledge = try KnowledgeBase.load(directory: directory) }
        let loaded = try #require(knowledge)
        print("loaded and indexed 1,000 files (\(loaded.passageCount) passages) in \(elapsed)")
        #expect(loaded.documentCount == 1000)
        // The < 1 s target is a release-build figure; this only catches a pathological slowdown.
        #expect(elapsed < .seconds(30))
        #expect(loaded.search("marker512x2", limit: 1).first?.document == "doc-512.md")
        let searchTime = clock.measure { _ = loaded.search("shape token timeout for the conversation", limit: 3) }
        print("one search over them took \(searchTime)")
    }
}
