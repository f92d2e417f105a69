import Foundation

/// An auth token for `user` signed with `dataDirectory`'s key, by `qactl token mint auth`.
func mintAuthToken(_ user: String, dataDirectory: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: TestServer.executable)
    process.arguments = ["token", "mint", "auth", "--sub", user, "--data-dir", dataDirectory]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard process.terminationStatus == 0, !token.isEmpty else { throw TestFailure("qactl token mint auth failed") }
    return token
}
