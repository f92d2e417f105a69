import Foundation

/// Lines of standard input, read on a thread of their own (a blocking read
/// must not hold one of the few threads Swift concurrency runs tasks on).
enum LineReader {
    /// Every line of stdin, without its newline; finishes at end of input.
    static func standardInput() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self)
        let thread = Thread {
            while let line = readLine(strippingNewline: true) {
                continuation.yield(line)
            }
            continuation.finish()
        }
        thread.name = "qactl-chat-stdin"
        thread.start()
        return stream
    }
}
