import Glibc
enum Terminal {
    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }
}
struct InteractiveMode {
    let settings: ChatSettings
    let identity: ChatIdentity
    func run() async throws {}
}
