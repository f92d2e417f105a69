#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The size of a terminal in character cells.
struct TerminalSize: Sendable, Equatable {
    var rows: Int
    var columns: Int
}

/// The terminal in full-screen mode: raw input (no echo, no line editing, no
/// signals from Ctrl-C), the alternate screen, bracketed paste; and back.
///
/// ``leaveFullScreen()`` restores exactly the settings found, and is safe to
/// call more than once. A crash while full-screen restores them too (see
/// ``TerminalCrashGuard``).
final class Terminal {
    let input: Int32
    let output: Int32
    private var saved: termios?

    /// Alternate screen (which also saves the cursor), bracketed paste, clear.
    static let enterSequence = "\u{1B}[?1049h\u{1B}[?2004h\u{1B}[H\u{1B}[2J"
    /// The reverse: no paste brackets, default colours, a visible cursor, the main screen.
    static let leaveSequence = "\u{1B}[?2004l\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l"

    init(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) {
        self.input = input
        self.output = output
    }

    /// Whether `descriptor` is a terminal.
    static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

    /// Whether the full-screen mode is on.
    var isFullScreen: Bool { saved != nil }

    /// The window size; `LINES`/`COLUMNS`-style fallback of 24×80 when the terminal does not say.
    func size() -> TerminalSize {
        var window = winsize()
        if ioctl(output, UInt(TIOCGWINSZ), &window) == 0, window.ws_row > 0, window.ws_col > 0 {
            return TerminalSize(rows: Int(window.ws_row), columns: Int(window.ws_col))
        }
        return TerminalSize(rows: 24, columns: 80)
    }

    /// Raw mode, alternate screen, bracketed paste.
    func enterFullScreen() throws(ChatError) {
        guard saved == nil else { return }
        var original = termios()
        guard tcgetattr(input, &original) == 0 else {
            throw ChatError(.failure, "cannot read the terminal's settings: \(String(cString: strerror(errno)))")
        }
        var raw = original
        cfmakeraw(&raw)
        guard tcsetattr(input, TCSAFLUSH, &raw) == 0 else {
            throw ChatError(.failure, "cannot put the terminal in raw mode: \(String(cString: strerror(errno)))")
        }
        saved = original
        TerminalCrashGuard.arm(saved: original, input: input, output: output)
        write(Self.enterSequence)
    }

    /// The settings found by ``enterFullScreen()``, the main screen and a visible cursor.
    func leaveFullScreen() {
        guard var original = saved else { return }
        write(Self.leaveSequence)
        tcsetattr(input, TCSADRAIN, &original)
        saved = nil
        TerminalCrashGuard.disarm()
    }

    /// Ctrl-Z: restores the terminal, stops the process as the shell expects,
    /// and takes the terminal back when the shell continues it (`fg`).
    func suspend() {
        guard isFullScreen else { return }
        leaveFullScreen()
        // The signal is delivered before kill returns: execution continues here after SIGCONT.
        kill(getpid(), SIGTSTP)
        try? enterFullScreen()
    }

    /// Writes `text` in full.
    func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { systemWrite(output, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return
            }
            offset += written
        }
    }
}
