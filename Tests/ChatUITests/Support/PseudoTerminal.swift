import Foundation
import PostgresHarness
import Synchronization
import QACtlTestSupport

/// A pseudo-terminal with `qactl chat` running on its slave side, as a
/// person's terminal would run it: the test types on the master side and reads
/// the screen back through a ``VirtualScreen``.
final class PseudoTerminal {
    let master: Int32
    /// Kept open by the test, so the terminal's settings can be read after the chat exits.
    let slave: Int32
    private let output = ByteBuffer()
    private let reading = ReadFlag()
    /// Signalled when the reader thread has stopped reading `master`.
    private let readerEnded = DispatchSemaphore(value: 0)
    /// Window sizes and the output offset from which each applies.
    private var sizes: [(offset: Int, rows: Int, columns: Int)]
    private var process: SpawnedProcess?

    /// `TIOCSPTLCK` and `TIOCGPTN` (`_IOW('T', 0x31, int)`, `_IOR('T', 0x30, unsigned int)`).
    private static let setLock: UInt = 0x4004_5431
    private static let getNumber: UInt = 0x8004_5430

    init(rows: Int, columns: Int) throws {
        // posix_openpt, unlockpt and ptsname are hidden behind feature macros that
        // the Glibc module does not set; these are their Linux system calls.
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, Self.setLock, &unlock) == 0, ioctl(master, Self.getNumber, &number) == 0 else {
            throw TestFailure("no pseudo-terminal")
        }
        slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard slave >= 0 else { throw TestFailure("cannot open the pseudo-terminal's slave") }
        sizes = [(0, rows, columns)]
        setWindowSize(rows: rows, columns: columns)
        let (master, output, reading, readerEnded) = (master, output, reading, readerEnded)
        let thread = Thread {
            defer { readerEnded.signal() }
            var buffer = [UInt8](repeating: 0, count: 4096)
            var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            while reading.isOn {
                guard poll(&poller, 1, 100) > 0 else { continue }
                let count = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                output.append(Data(buffer[0..<count]))
            }
        }
        thread.start()
    }

    deinit {
        reading.stop()
        process?.signal(SIGKILL)
        // The descriptors close only once the reader is done with them: its number could
        // otherwise go to another test's descriptor (the next terminal's slave, say) and
        // the reader would take bytes meant for someone else, a typed Ctrl-D or "/quit".
        readerEnded.wait()
        close(slave)
        close(master)
    }

    /// Starts the chat with `arguments` on this terminal (`TERM=xterm-256color`).
    func spawn(_ arguments: [String], environment extra: [String: String] = [:]) throws {
        let command = ChatProcess.command
        let process = try SpawnedProcess(
            command[0], Array(command.dropFirst()) + arguments,
            environment: ChatProcess.environment(["TERM": "xterm-256color"].merging(extra) { $1 }),
            standardInput: .descriptor(slave), standardOutput: .descriptor(slave), standardError: .descriptor(slave))
        self.process = process
    }

    var isRunning: Bool { process?.isRunning ?? false }
    var exitStatus: Int32? { process?.termination?.status }

    /// Types `text` (use "\r" for Enter, "\u{03}" for Ctrl-C).
    func type(_ text: String) {
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(master, $0.baseAddress! + written, $0.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            written += count
        }
    }

    func signal(_ number: Int32) {
        process?.signal(number)
    }

    /// Changes the window size and tells the chat, as a terminal emulator does.
    func resize(rows: Int, columns: Int) {
        sizes.append((output.data.count, rows, columns))
        setWindowSize(rows: rows, columns: columns)
        // The chat is not this terminal's foreground job, so the kernel will not send it.
        signal(SIGWINCH)
    }

    private func setWindowSize(rows: Int, columns: Int) {
        var size = winsize(ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
    }

    /// Everything the chat wrote so far.
    var raw: String { output.text }

    /// The screen as the output so far draws it.
    var screen: VirtualScreen {
        let bytes = [UInt8](output.data)
        var screen = VirtualScreen(rows: sizes[0].rows, columns: sizes[0].columns)
        var start = 0
        for size in sizes.dropFirst() {
            screen.feed(Array(bytes[start..<min(size.offset, bytes.count)]))
            screen.resize(rows: size.rows, columns: size.columns)
            start = min(size.offset, bytes.count)
        }
        screen.feed(Array(bytes[start...]))
        return screen
    }

    /// Waits until the screen satisfies `condition`.
    func waitForScreen(_ what: String, timeout: Duration = .seconds(20), _ condition: (VirtualScreen) -> Bool) async throws {
        do {
            try await eventually(what, timeout: timeout) { condition(screen) }
        } catch {
            throw TestFailure("\(error)\n--- screen ---\n\(screen.text)\n--------------\n\(threadStacks())")
        }
    }

    /// Waits for the chat to exit; its status.
    func waitForExit(timeout: Duration = .seconds(45)) async throws -> Int32 {
        do {
            try await eventually("the chat exits", timeout: timeout) { !isRunning }
        } catch {
            throw TestFailure("\(error)\n--- screen ---\n\(screen.text)\n--------------\n\(threadStacks())")
        }
        // What it wrote last (leaving the alternate screen, the final message) may still
        // wait in the pseudo-terminal for the reader thread: let the reader take all of it.
        let master = self.master
        try await eventually("the reader took the last output", timeout: .seconds(5)) {
            var pending: Int32 = 0
            return ioctl(master, UInt(FIONREAD), &pending) == 0 && pending == 0
        }
        try await Task.sleep(for: .milliseconds(50))
        return exitStatus ?? -1
    }

    /// Every thread's stack in the chat, from gdb when it is installed (for a chat that does not exit).
    private func threadStacks() -> String {
        guard let pid = process?.pid, FileManager.default.isExecutableFile(atPath: "/usr/bin/gdb"),
            let run = try? CommandRunner.run(
                "/usr/bin/gdb", ["-p", String(pid), "-batch", "-ex", "thread apply all bt 12"], timeout: .seconds(60))
        else { return "(no gdb for the chat's stacks)" }
        return "--- the chat's threads ---\n" + run.stdout.suffix(12_000)
    }

    /// The terminal's local flags now (ICANON, ECHO, ISIG…).
    var localFlags: tcflag_t {
        var settings = termios()
        tcgetattr(slave, &settings)
        return settings.c_lflag
    }
}

/// Tells the reader thread to go on or stop.
final class ReadFlag: Sendable {
    private let on = Atomic<Bool>(true)
    var isOn: Bool { on.load(ordering: .relaxed) }
    func stop() { on.store(false, ordering: .relaxed) }
}
