// Writes (or with --check, verifies) man/ and completions/ from the built qactl.
// Usage: qactl-docs [--check] [--qactl PATH] [--root DIR]
import CLIDocs
import Foundation

var arguments = Array(CommandLine.arguments.dropFirst())
var check = false
var executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("qactl").path
var root = FileManager.default.currentDirectoryPath
while !arguments.isEmpty {
    let argument = arguments.removeFirst()
    switch argument {
    case "--check": check = true
    case "--qactl" where !arguments.isEmpty: executable = arguments.removeFirst()
    case "--root" where !arguments.isEmpty: root = arguments.removeFirst()
    default:
        FileHandle.standardError.write(Data("usage: qactl-docs [--check] [--qactl PATH] [--root DIR]\n".utf8))
        exit(2)
    }
}

do {
    let generator = DocsGenerator(executable: executable)
    if check {
        let stale = try generator.staleFiles(root: root)
        if stale.isEmpty {
            print("man/ and completions/ are up to date")
        } else {
            print("stale (run scripts/generate-docs):\n  " + stale.joined(separator: "\n  "))
            exit(1)
        }
    } else {
        try generator.write(root: root)
        print("wrote man/ and completions/ from \(executable)")
    }
} catch {
    FileHandle.standardError.write(Data("qactl-docs: \(error)\n".utf8))
    exit(1)
}
