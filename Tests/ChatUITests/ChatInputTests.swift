import Testing
@testable import ChatUI
import QACtlTestSupport

struct ChatInputTests {
    @Test func questionsAndCommands() {
        #expect(ChatInput.parse("  How do shapes work?  ") == .message("How do shapes work?"))
        #expect(ChatInput.parse("") == nil)
        #expect(ChatInput.parse("   ") == nil)
        #expect(ChatInput.parse("/new Shapes and tokens") == .new(title: "Shapes and tokens"))
        #expect(ChatInput.parse("/new") == .new(title: nil))
        #expect(ChatInput.parse("/list") == .list)
        #expect(ChatInput.parse("/switch 3f2a") == .switchTo("3f2a"))
        #expect(ChatInput.parse("/QUIT") == .quit)
        #expect(ChatInput.parse("/help") == .help)
        #expect(ChatInput.parse("/outbox") == .outbox(clear: false))
        #expect(ChatInput.parse("/outbox clear") == .outbox(clear: true))
        #expect(ChatInput.parse("//etc/hosts is a file?") == .message("/etc/hosts is a file?"))
    }

    @Test func mistakesSayWhatToDo() {
        guard case .invalid(let usage) = ChatInput.parse("/switch") else { Issue.record("not invalid"); return }
        #expect(usage.contains("/switch ID"))
        guard case .invalid(let unknown) = ChatInput.parse("/frobnicate") else { Issue.record("not invalid"); return }
        #expect(unknown.contains("/help"))
        guard case .invalid(let outbox) = ChatInput.parse("/outbox everything") else { Issue.record("not invalid"); return }
        #expect(outbox.contains("/outbox clear"))
    }
}
