#if canImport(Glibc)
import LocalSetup
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The full-screen client: one loop owns the screen and redraws after every
/// key, session state and signal, so drawing never races with itself.
///
/// The terminal is restored on every way out: `/quit`, Ctrl-C, Ctrl-D, end of
/// input, SIGINT/SIGTERM/SIGHUP, a startup failure (a refused token) — by the
/// `defer` here — and on a crash by ``TerminalCrashGuard``.
struct InteractiveMode {
    let settings: ChatSettings
    let identity: ChatIdentity

    private enum Event: Sendable {
        case key(Key)
        case state(ChatState)
        case signal(Int32)
        case failed(ChatError)
    }

    func run() async throws {
        let terminal = Terminal()
        let signals = await SignalStream([.sigint, .sigterm, .sighup, .sigwinch])
        try terminal.enterFullScreen()
        defer {
            terminal.leaveFullScreen()
            signals.stop()
        }
        let keys = KeyReader()
        defer { keys.stop() }
        let session = ChatSession(server: settings.server, identity: identity, replicaDirectory: settings.replicaDirectory)
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let (inputs, inputQueue) = AsyncStream.makeStream(of: ChatInput.self)
        let choice = settings.choice
        let producers = [
            Task { for await key in keys.keys { continuation.yield(.key(key)) } },
            Task { for await signal in signals.signals { continuation.yield(.signal(signal.rawValue)) } },
            Task { for await state in await session.states(latestOnly: true) { continuation.yield(.state(state)) } },
            // Starts the session, then carries out inputs one at a time, in order:
            // what is typed before the conversation is open waits for it. Sends
            // return once shown, so typing never waits on the network.
            Task {
                do {
                    try await session.connect(failFast: false, monitor: true)
                    try await session.open(choice)
                } catch {
                    continuation.yield(.failed(ChatError.from(error, doing: "starting", server: settings.server)))
                    return
                }
                for await input in inputs { _ = await session.handle(input) }
            },
        ]
        var view = ChatView(state: await session.state, size: terminal.size(), colour: settings.colour)
        var screen = ScreenWriter(terminal: terminal)
        screen.draw(view.frame())
        var failure: ChatError?
        loop: for await event in events {
            switch event {
            case .key(let key):
                guard handle(key, view: &view, inputs: inputQueue, terminal: terminal, screen: &screen) else { break loop }
            case .state(let state):
                view.state = state
            case .signal(SIGWINCH):
                view.size = terminal.size()
                screen.invalidate()
            case .signal:
                break loop
            case .failed(let error):
                failure = error
                break loop
            }
            screen.draw(view.frame())
        }
        // The terminal first: the person sees the shell again at once, whatever closing takes.
        terminal.leaveFullScreen()
        inputQueue.finish()
        for producer in producers { producer.cancel() }
        await session.closeWithin()
        if let failure { throw failure }
    }

    /// Applies one key; false when it ends the session.
    private func handle(
        _ key: Key, view: inout ChatView, inputs: AsyncStream<ChatInput>.Continuation, terminal: Terminal, screen: inout ScreenWriter
    ) -> Bool {
        switch key {
        case .text(let text): view.composer.insert(text)
        case .enter:
            let line = view.composer.take()
            guard let input = ChatInput.parse(line) else { return true }
            if input == .quit { return false }
            view.followNewest()
            inputs.yield(input)
        case .backspace: view.composer.backspace()
        case .delete: view.composer.deleteForward()
        case .left: view.composer.moveLeft()
        case .right: view.composer.moveRight()
        case .home, .control("a"): view.composer.moveHome()
        case .end where view.scrollBack > 0: view.followNewest()
        case .end, .control("e"): view.composer.moveEnd()
        case .up: view.scroll(by: 1)
        case .down: view.scroll(by: -1)
        case .pageUp: view.scroll(by: max(1, view.logHeight - 2))
        case .pageDown: view.scroll(by: -max(1, view.logHeight - 2))
        case .escape: view.followNewest()
        case .control("c"), .endOfInput: return false
        case .control("d"):
            if view.composer.isEmpty { return false }
            view.composer.deleteForward()
        case .control("u"): view.composer.clear()
        case .control("w"): view.composer.deleteWordBackward()
        case .control("l"): screen.invalidate()
        case .control("z"):
            terminal.suspend()
            view.size = terminal.size()
            screen.invalidate()
        case .tab, .control: break
        }
        return true
    }
}

/// Writes frames, only the rows that changed since the last one.
struct ScreenWriter {
    let terminal: Terminal
    private var previous: [String] = []

    init(terminal: Terminal) {
        self.terminal = terminal
    }

    /// The next frame redraws every row (after a resize, a resume, Ctrl-L).
    mutating func invalidate() {
        previous = []
    }

    mutating func draw(_ frame: ChatView.Frame) {
        // Hidden while drawing, so it does not flicker across the screen.
        var out = "\u{1B}[?25l"
        if previous.count != frame.rows.count { out += "\u{1B}[0m\u{1B}[H\u{1B}[2J" }
        for (index, row) in frame.rows.enumerated() where index >= previous.count || previous[index] != row {
            out += "\u{1B}[\(index + 1);1H" + row
        }
        out += "\u{1B}[\(frame.cursorRow + 1);\(frame.cursorColumn + 1)H\u{1B}[?25h"
        terminal.write(out)
        previous = frame.rows
    }
}
