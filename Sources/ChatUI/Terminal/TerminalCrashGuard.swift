#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Restores the terminal when the process dies without unwinding: a crash
/// signal (a failed precondition traps) or a stray `exit()`.
///
/// A signal handler may only touch memory that needs no locks or allocation,
/// so the state lives in plain globals written before the handlers are
/// installed, and the handler uses only `write`, `tcsetattr`, `sigaction` and
/// `raise` (all async-signal-safe). After restoring, the handler reinstalls the
/// previous action (Swift's backtracer, or the default) and re-raises.
enum TerminalCrashGuard {
    private static let crashSignals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP]

    /// Arms the guard with the settings to restore.
    static func arm(saved: termios, input: Int32, output: Int32) {
        guardedSettings = saved
        guardedInput = input
        guardedOutput = output
        if !installed {
            installed = true
            atexit { TerminalCrashGuard.restore() }
            for number in crashSignals {
                var action = sigaction()
                action.__sigaction_handler = .init(sa_handler: crashHandler)
                sigemptyset(&action.sa_mask)
                action.sa_flags = 0
                sigaction(number, &action, &previousActions[Int(number)])
            }
        }
        armed = true
    }

    /// The terminal was restored normally: nothing left to do on a crash.
    static func disarm() {
        armed = false
    }

    /// Writes the leave sequence and the saved settings back, once.
    static func restore() {
        guard armed else { return }
        armed = false
        let sequence: StaticString = "\u{1B}[?2004l\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l"
        _ = systemWrite(guardedOutput, sequence.utf8Start, sequence.utf8CodeUnitCount)
        tcsetattr(guardedInput, TCSANOW, &guardedSettings)
    }
}

/// `nonisolated(unsafe)`: written only by `arm`/`disarm` on the UI task before
/// and after full-screen mode, read by the crash handler, which runs with the
/// process already failing; no two threads write them.
nonisolated(unsafe) private var guardedSettings = termios()
nonisolated(unsafe) private var guardedInput: Int32 = STDIN_FILENO
nonisolated(unsafe) private var guardedOutput: Int32 = STDOUT_FILENO
nonisolated(unsafe) private var armed = false
nonisolated(unsafe) private var installed = false
/// Indexed by signal number; allocated once, never freed (the handlers may run until exit).
nonisolated(unsafe) private let previousActions: UnsafeMutablePointer<sigaction> = {
    let actions = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
    actions.initialize(repeating: sigaction(), count: 65)
    return actions
}()

private let crashHandler: @convention(c) (Int32) -> Void = { number in
    TerminalCrashGuard.restore()
    sigaction(number, &previousActions[Int(number)], nil)
    raise(number)
}
